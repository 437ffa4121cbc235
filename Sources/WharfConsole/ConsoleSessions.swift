import Foundation
import Synchronization

/// The console's sign-ins, held in memory only: a random token per session, sent to the browser
/// as an `HttpOnly` cookie, naming the access key that signed in (its secret never stays in the
/// browser, and it is looked up again on every call, so a deleted key ends its sessions at once).
/// A controller that restarts or hands over its leadership forgets them: people sign in again.
public final class ConsoleSessions: Sendable {
    /// One signed-in browser.
    public struct Session: Sendable, Equatable {
        /// The access key the calls are signed with; nil when the controller checks no signatures.
        public var accessKeyId: String?
        /// When the session ends, however busy.
        public var expires: Date
    }

    /// How long a session lasts.
    public let lifetime: TimeInterval
    /// The most sessions kept; the oldest go first beyond it.
    public let limit: Int
    private let now: @Sendable () -> Date
    private let sessions = Mutex<[String: Session]>([:])

    public init(
        lifetime: TimeInterval = 12 * 3600,
        limit: Int = 10_000,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.lifetime = lifetime
        self.limit = limit
        self.now = now
    }

    /// Opens a session for `accessKeyId`; returns its token (256 random bits, base64url).
    public func open(accessKeyId: String?) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let current = now()
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expires > current }
            if sessions.count >= limit, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires }) {
                sessions[oldest.key] = nil
            }
            sessions[token] = Session(accessKeyId: accessKeyId, expires: current.addingTimeInterval(lifetime))
        }
        return token
    }

    /// The live session of `token`; nil when there is none or it expired.
    public func session(_ token: String) -> Session? {
        let current = now()
        return sessions.withLock { sessions in
            guard let session = sessions[token] else { return nil }
            guard session.expires > current else {
                sessions[token] = nil
                return nil
            }
            return session
        }
    }

    /// Ends the session of `token` (signing out).
    public func close(_ token: String) {
        _ = sessions.withLock { $0.removeValue(forKey: token) }
    }

    /// How many sessions are open.
    public var count: Int {
        let current = now()
        return sessions.withLock { $0.values.filter { $0.expires > current }.count }
    }
}
