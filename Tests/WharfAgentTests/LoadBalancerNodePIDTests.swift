import Foundation
import Logging
import Testing

@testable import WharfAgent

/// How the load balancer node finds HAProxy's master: through `haproxy.pid`, and through the PID it
/// read there last while the master rewrites the file (a reload re-executes the master, same PID).
@Suite("The load balancer node's HAProxy master PID")
struct LoadBalancerNodePIDTests {
    @Test("a PID file empty or missing in the middle of a reload still finds the live master; a dead one is not")
    func masterThroughReload() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("wharf-lb-pid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A process whose name is `haproxy`: `sleep` under that name.
        let binary = directory.appendingPathComponent("haproxy")
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: binary.path)
        let master = Process()
        master.executableURL = binary
        master.arguments = ["60"]
        try master.run()
        // SIGKILL: a signal the test process ignores is ignored by its children too.
        defer { if master.isRunning { kill(master.processIdentifier, SIGKILL) } }
        let node = LoadBalancerNode(directory: directory.path, logger: Logger(label: "test"))
        let pidFile = directory.appendingPathComponent("haproxy.pid")

        #expect(await node.masterPID() == nil, "no PID file and none read before: not running")
        try Data("\(master.processIdentifier)\n".utf8).write(to: pidFile)
        #expect(await node.masterPID() == master.processIdentifier)
        // The master rewrites its file on a reload: empty for a moment, then gone.
        try Data().write(to: pidFile)
        #expect(await node.masterPID() == master.processIdentifier, "the file empty mid-reload")
        try FileManager.default.removeItem(at: pidFile)
        #expect(await node.masterPID() == master.processIdentifier, "the file missing mid-reload")

        kill(master.processIdentifier, SIGKILL)
        master.waitUntilExit()
        #expect(await node.masterPID() == nil, "the master is gone")
        // A PID that is not HAProxy's is not taken for it.
        try Data("\(ProcessInfo.processInfo.processIdentifier)".utf8).write(to: pidFile)
        #expect(await node.masterPID() == nil, "the test process is not HAProxy")
    }
}
