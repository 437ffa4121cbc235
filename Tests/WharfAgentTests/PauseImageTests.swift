import Foundation
import Testing
@testable import WharfAgent

@Suite("The pause program and its image")
struct PauseImageTests {
    @Test("the x86_64 program runs and waits until it is killed")
    func runs() async throws {
        #if arch(x86_64)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pause-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let program = try #require(PauseImage.program(for: "x86_64"))
        try Data(program).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        try process.run()
        try await Task.sleep(for: .milliseconds(300))
        #expect(process.isRunning, "it waits instead of exiting or crashing")
        // SIGKILL: the test runner's threads block the other signals, and the child inherits that.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #endif
    }

    @Test("both programs are ELF executables of their machine; the image is a tar archive holding /pause")
    func archive() async throws {
        let x86 = try #require(PauseImage.program(for: "x86_64"))
        let arm = try #require(PauseImage.program(for: "aarch64"))
        #expect(Array(x86.prefix(4)) == [0x7F, 0x45, 0x4C, 0x46] && x86[18] == 0x3E)
        #expect(arm[18] == 0xB7 && arm.count == 120 + 28)
        #expect(PauseImage.program(for: "riscv64") == nil)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pause-\(UUID().uuidString).tar").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(try #require(PauseImage.rootfs(for: "x86_64"))).write(to: URL(fileURLWithPath: path))
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["tar", "-tvf", path]
        let pipe = Pipe()
        tar.standardOutput = pipe
        tar.standardError = pipe
        try tar.run()
        tar.waitUntilExit()
        let listing = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(tar.terminationStatus == 0, "\(listing)")
        #expect(listing.contains("-rwxr-xr-x root/root") && listing.contains(" pause"), "\(listing)")
    }
}
