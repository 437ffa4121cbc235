import Foundation
import Testing

@testable import WharfAgent

@Suite("Durable state files")
struct DurableFileTests {
    @Test("a write replaces the file whole, owner-only, with no temporary file left; a failure says where")
    func writes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durable-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/tasks.json"
        try DurableFile.write(Array("first".utf8), to: path)
        try DurableFile.write(Array("second, longer".utf8), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data("second, longer".utf8))
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let large = [UInt8](repeating: 7, count: 3 << 20)
        try DurableFile.write(large, to: path)
        #expect(FileManager.default.contents(atPath: path)?.count == large.count)
        do {
            try DurableFile.write(Array("x".utf8), to: directory + "/missing/identity.json")
            Issue.record("a write into a directory that does not exist succeeded")
        } catch {
            #expect(error.description.contains("/missing/identity.json.tmp"), "\(error)")
        }
    }
}
