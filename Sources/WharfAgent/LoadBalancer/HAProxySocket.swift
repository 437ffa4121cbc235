import Dispatch
import WharfModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// HAProxy's runtime API on its unix socket: one command a connection, the answer read to the
/// end. Each call blocks a dispatch thread for as long as HAProxy takes (a local socket: well
/// under a millisecond), not the agent's tasks.
struct HAProxySocket: Sendable {
    let path: String

    /// Sends `command` and returns the answer.
    /// - Throws: `RuntimeError` `unavailable` when HAProxy does not answer on the socket.
    func send(_ command: String) async throws(RuntimeError) -> String {
        let path = self.path
        let outcome: Result<String, RuntimeError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Self.sendBlocking(command, path: path)) }
        }
        return try outcome.get()
    }

    static func sendBlocking(_ command: String, path: String) -> Result<String, RuntimeError> {
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return .failure(RuntimeError(.unavailable, "no socket (errno \(errno))")) }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            return .failure(RuntimeError(.invalid, "the socket path \(path) is too long"))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            return .failure(RuntimeError(.unavailable, "HAProxy does not answer on \(path) (errno \(errno))"))
        }
        let request = Array((command + "\n").utf8)
        var written = 0
        while written < request.count {
            let count = request[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return .failure(RuntimeError(.unavailable, "cannot write to \(path)")) }
            written += count
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                answer += buffer[0..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        return .success(String(decoding: answer, as: UTF8.self))
    }
}

/// One server's line of `show stat`: its backend, name, status (`UP`, `DOWN`, `MAINT`, `DRAIN`,
/// `UP 1/3`, `no check`, ...) and last check result.
struct HAProxyServerStat: Equatable, Sendable {
    var backend: String
    var server: String
    var status: String
    var checkStatus: String
    /// Failed checks since the worker started.
    var failedChecks = 0
    /// HTTP requests (or, in TCP mode, sessions) it took since the worker started.
    var requests = 0
    /// The mean response time of its last 1,024 requests, in milliseconds (0 before any).
    var responseTimeMs = 0

    /// The servers of `show stat`'s CSV, read by its header's column names.
    static func parse(_ csv: String) -> [HAProxyServerStat] {
        let lines = csv.split(separator: "\n")
        guard let header = lines.first, header.hasPrefix("# ") else { return [] }
        let columns = header.dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func index(_ name: String) -> Int? { columns.firstIndex(of: name) }
        guard let px = index("pxname"), let sv = index("svname"), let status = index("status") else { return [] }
        let check = index("check_status")
        let failures = index("chkfail")
        let requests = index("req_tot")
        let sessions = index("stot")
        let responseTime = index("rtime")
        return lines.dropFirst().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > max(px, sv, status), fields[sv] != "FRONTEND", fields[sv] != "BACKEND" else {
                return nil
            }
            func number(_ column: Int?) -> Int? { column.flatMap { $0 < fields.count ? Int(fields[$0]) : nil } }
            return HAProxyServerStat(
                backend: fields[px],
                server: fields[sv],
                status: fields[status],
                checkStatus: check.flatMap { $0 < fields.count ? fields[$0] : nil } ?? "",
                failedChecks: number(failures) ?? 0,
                requests: number(requests) ?? number(sessions) ?? 0,
                responseTimeMs: number(responseTime) ?? 0
            )
        }
    }
}
