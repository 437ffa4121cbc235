import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A stand-in Docker engine on a unix socket that answers each request with scripted bytes,
/// written in pieces with pauses between them, so tests can show how the runtime reads streams
/// that the real engine splits or ends at will. It answers one request per connection.
final class ScriptedEngine: Sendable {
    /// What to send for a request: the pieces of the raw HTTP answer, in order.
    typealias Script = @Sendable (_ requestLine: String) -> [String]

    let path: String
    private let listener: Int32
    private let heads = Mutex<[String]>([])

    /// The heads (request line and headers) of the requests received so far.
    var requests: [String] { heads.withLock { $0 } }

    init(_ script: @escaping Script) throws {
        struct SocketFailed: Error {}
        path = "/tmp/wharf-scripted-\(UUID().uuidString.prefix(8)).sock"
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw SocketFailed() }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
        guard bound, listen(listener, 8) == 0 else {
            Glibc.close(listener)
            throw SocketFailed()
        }
        // The thread ends when `close()` shuts the listening socket down, and only then closes it:
        // a descriptor closed while this thread still served a connection could be given to the
        // next test's engine, and this thread would answer that engine's requests with its script.
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(self.listener, nil, nil)
                guard connection >= 0 else {
                    Glibc.close(self.listener)
                    return
                }
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !received.ends(with: Array("\r\n\r\n".utf8)) {
                    let count = read(connection, &buffer, buffer.count)
                    guard count > 0 else { break }
                    received += buffer[0..<count]
                }
                let head = String(decoding: received, as: UTF8.self)
                self.heads.withLock { $0.append(head) }
                for piece in script(String(head.prefix { $0 != "\r" })) {
                    // MSG_NOSIGNAL: a client that has gone must not SIGPIPE the test process.
                    let sent = piece.utf8CString.withUnsafeBufferPointer { send(connection, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
                    if sent < 0 { break }
                    usleep(20_000)
                }
                Glibc.close(connection)
            }
        }
    }

    /// Stops listening and removes the socket file; the serving thread closes the socket.
    func close() {
        shutdown(listener, Int32(SHUT_RDWR))
        unlink(path)
    }

    /// A complete answer with a JSON body.
    static func json(_ status: String, _ body: String) -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
    }

    /// The head of a chunked answer, and one chunk.
    static let chunkedHead = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    static func chunk(_ text: String) -> String { String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n" }
    static let lastChunk = "0\r\n\r\n"

    /// `GET /version` of an engine that speaks API 1.41.
    static let version = json("200 OK", #"{"Version":"20.10.24-scripted","ApiVersion":"1.41","MinAPIVersion":"1.12"}"#)
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
