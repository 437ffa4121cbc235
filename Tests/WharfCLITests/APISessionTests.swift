import ArgumentParser
import Foundation
import Testing

@testable import WharfCLI

/// How `wharf` retries: a connection closed before an answer (a load balancer whose controller just
/// died) is tried again, as the AWS SDKs do; an address where nothing listens is said at once.
@Suite("wharf's calls to the controller: retries")
struct APISessionTests {
    /// A server on loopback that closes its first `closing` connections without an answer (every
    /// other one before it reads the request, as a balancer with no server left does), then
    /// answers `{}`; returns it with its port.
    static func server(closing: Int) throws -> (Process, Int) {
        let script = """
            import socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0)); s.listen(8)
            print(s.getsockname()[1], flush=True)
            n = 0
            while True:
                c, _ = s.accept(); n += 1
                if n > \(closing) or n % 2 == 0: c.recv(65536)
                if n > \(closing):
                    c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/x-amz-json-1.1\\r\\n"
                              b"Content-Length: 2\\r\\nConnection: close\\r\\n\\r\\n{}")
                c.close()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { break }
            line += byte
        }
        let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return (process, port)
    }

    func call(_ endpoint: String) async throws -> Data {
        let session = try APISession(try ControllerConnection.parse(["--endpoint", endpoint]))
        do {
            let data = try await session.call(
                "ListClusters",
                body: Data("{}".utf8),
                target: "AmazonEC2ContainerServiceV20141113",
                signingName: "ecs"
            )
            await session.shutdown()
            return data
        } catch {
            await session.shutdown()
            throw error
        }
    }

    @Test("a connection closed before an answer is tried again, and the answer that follows is returned")
    func closedThenAnswered() async throws {
        let (server, port) = try Self.server(closing: 4)
        defer { kill(server.processIdentifier, SIGKILL) }
        #expect(port > 0)
        let data = try await call("http://127.0.0.1:\(port)")
        #expect(String(decoding: data, as: UTF8.self) == "{}")
    }

    @Test("an address where nothing listens fails at once, naming it")
    func refused() async throws {
        let (server, port) = try Self.server(closing: 0)
        // SIGKILL: a test process may ignore SIGTERM, and its children with it.
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        let started = ContinuousClock.now
        await #expect {
            _ = try await call("http://127.0.0.1:\(port)")
        } throws: { "\($0)".contains("cannot reach the controller at http://127.0.0.1:\(port)") }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
