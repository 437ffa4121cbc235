import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A unix datagram socket standing in for systemd's `$NOTIFY_SOCKET`: records what a daemon sends.
final class NotifySocket: @unchecked Sendable {
    // @unchecked: the descriptor is set once in init; reads happen on one test task at a time.
    let path: String
    private let descriptor: Int32

    init(directory: String) throws {
        path = directory + "/notify.sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw ManagedProcess.Failure("socket() failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw ManagedProcess.Failure("cannot bind \(path): errno \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Waits for a message containing `state` (such as READY=1); returns every message seen.
    func waitFor(_ state: String, timeout: Duration = .seconds(30)) async throws -> [String] {
        var seen: [String] = []
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while clock.now < deadline {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                let message = String(decoding: buffer[0..<count], as: UTF8.self)
                seen.append(message)
                if message.split(separator: "\n").contains(where: { $0 == state }) { return seen }
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        throw ManagedProcess.Failure("no \(state) within \(timeout); messages: \(seen)")
    }

    deinit {
        close(descriptor)
        unlink(path)
    }
}
