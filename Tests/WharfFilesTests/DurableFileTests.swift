import Foundation
import Testing

@testable import WharfFiles

@Suite("Durable files")
struct DurableFileTests {
    @Test("a write replaces the file whole, with its mode, with no temporary file left; a failure says where")
    func writes() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/tasks.json"
        try DurableFile.write(Array("first".utf8), to: path)
        try DurableFile.write(Array("second, longer".utf8), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data("second, longer".utf8))
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        #expect(try Self.mode(path) == 0o600)
        let large = [UInt8](repeating: 7, count: 3 << 20)
        try DurableFile.write(large, to: path)
        #expect(FileManager.default.contents(atPath: path)?.count == large.count)
        // A public file keeps the mode asked for, and a temporary file left by a crash is replaced.
        _ = FileManager.default.createFile(atPath: directory + "/ca.pem.tmp", contents: Data("torn".utf8))
        try DurableFile.write(Array("certificate".utf8), to: directory + "/ca.pem", mode: 0o644)
        #expect(try Self.mode(directory + "/ca.pem") == 0o644)
        #expect(FileManager.default.contents(atPath: directory + "/ca.pem") == Data("certificate".utf8))
        do {
            try DurableFile.write(Array("x".utf8), to: directory + "/missing/identity.json")
            Issue.record("a write into a directory that does not exist succeeded")
        } catch {
            #expect(error.description.contains("/missing/identity.json.tmp"), "\(error)")
            #expect(error.code == ENOENT)
        }
    }

    @Test("create refuses an existing file and keeps it; move and remove take effect, an absent file is no error")
    func createMoveRemove() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = directory + "/secrets.key"
        try DurableFile.create([1, 2, 3], at: key)
        #expect(try Self.mode(key) == 0o600)
        do {
            try DurableFile.create([9], at: key)
            Issue.record("create replaced an existing file")
        } catch {
            #expect(error.code == EEXIST)
        }
        #expect(FileManager.default.contents(atPath: key) == Data([1, 2, 3]))
        try DurableFile.move(key, to: key + ".damaged")
        #expect(!FileManager.default.fileExists(atPath: key))
        #expect(FileManager.default.contents(atPath: key + ".damaged") == Data([1, 2, 3]))
        try DurableFile.remove(key + ".damaged")
        #expect(!FileManager.default.fileExists(atPath: key + ".damaged"))
        try DurableFile.remove(key + ".damaged")
        #expect(throws: DurableFile.Failure.self) { try DurableFile.move(key, to: key + ".elsewhere") }
    }

    static func directory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durable-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    static func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }
}
