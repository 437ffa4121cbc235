#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import ServiceLifecycle

/// Tells systemd how a `Type=notify` service stands (`sd_notify`): `READY=1` once the daemon
/// serves, `STOPPING=1` when it begins to shut down. Does nothing without `$NOTIFY_SOCKET`, so the
/// daemons run the same outside systemd.
public enum SystemdNotifier {
    /// Sends `state` (such as `READY=1`) to the socket named by `NOTIFY_SOCKET`.
    /// - Returns: whether a message was sent.
    @discardableResult
    public static func notify(_ state: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return false }
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }  // an abstract socket
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, message, message.count, 0, socketAddress, length)
            }
        }
        return sent == message.count
        #else
        return false
        #endif
    }
}

/// A service that sends `STOPPING=1` to systemd when the group's graceful shutdown begins.
public struct SystemdStoppingService: Service {
    public init() {}

    public func run() async throws {
        try? await gracefulShutdown()
        SystemdNotifier.notify("STOPPING=1")
    }
}
