import Foundation
import Testing
import WharfState
@testable import WharfController

@Suite("Sealed secrets and the loopback rule")
struct SecretSealerTests {
    func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-sealer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    @Test("secrets.key is created once with mode 0600; what one load sealed the next opens; another key or context opens nothing")
    func roundTrip() throws {
        try withDirectory { directory in
            let first = try SecretSealer.load(dataDirectory: directory)
            let path = directory + "/" + SecretSealer.fileName
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
            let sealed = try first.seal("the-secret", context: "AKWH1")
            #expect(!sealed.contains("the-secret"))
            let second = try SecretSealer.load(dataDirectory: directory)
            #expect(second.open(sealed, context: "AKWH1") == "the-secret")
            #expect(second.open(sealed, context: "AKWH2") == nil, "bound to the key ID")
            #expect(SecretSealer().open(sealed, context: "AKWH1") == nil, "another key")
            #expect(second.open("not base64 at all", context: "AKWH1") == nil)
        }
    }

    @Test("a secrets.key of the wrong size is refused, not replaced")
    func wrongSize() throws {
        try withDirectory { directory in
            let path = directory + "/" + SecretSealer.fileName
            _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 1, count: 7))
            #expect(throws: ControllerStartError.self) { _ = try SecretSealer.load(dataDirectory: directory) }
            #expect(FileManager.default.contents(atPath: path)?.count == 7)
        }
    }

    @Test("loopback is localhost, 127.0.0.0/8 and ::1 by address, not a name that starts with 127.")
    func loopback() {
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"] {
            #expect(ControllerConfiguration.isLoopback(host), "\(host)")
        }
        for host in ["127.evil.example", "0.0.0.0", "128.0.0.1", "::", "10.0.0.1", "example.com", ""] {
            #expect(!ControllerConfiguration.isLoopback(host), "\(host)")
        }
    }
}
