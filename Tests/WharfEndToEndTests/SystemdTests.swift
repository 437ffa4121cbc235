import Foundation
import Testing

@Suite("systemd: the units verify, and the daemons notify readiness and stopping", .serialized)
struct SystemdTests {
    @Test("systemd-analyze verify finds nothing to say about Deploy's units (with ExecStart at the built binaries)")
    func verify() async throws {
        try await withDataDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let environment = directory + "/agent.env"
            _ = FileManager.default.createFile(atPath: environment, contents: Data())
            var units: [String] = []
            for name in ["controller", "agent"] {
                let source = DockerEngine.repositoryRoot.appendingPathComponent("Deploy/wharf-\(name).service").path
                var text = try String(contentsOfFile: source, encoding: .utf8)
                #expect(text.contains("Type=notify"))
                text = text.replacingOccurrences(of: "/usr/local/bin/wharf-\(name)", with: ManagedProcess.built("wharf-\(name)").path)
                    .replacingOccurrences(of: "EnvironmentFile=/etc/wharf/agent.env", with: "EnvironmentFile=\(environment)")
                let path = directory + "/wharf-\(name).service"
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                units.append(path)
            }
            let agentUnit = try String(contentsOfFile: units[1], encoding: .utf8)
            #expect(agentUnit.contains("RestartPreventExitStatus=5 64"), "the agent's terminal exit is not restarted")
            let result = try await DockerEngine.run(["systemd-analyze", "verify"] + units)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "warnings: \(result.stderr)")
        }
    }

    @Test("wharf-controller and wharf-agent send READY=1 when they serve and STOPPING=1 on SIGTERM")
    func notify() async throws {
        try await withCluster { cluster in
            let controllerSocket = try NotifySocket(directory: cluster.root)
            let controller = try ManagedProcess("wharf-controller", ["--listen", "127.0.0.1:0", "--data-dir", cluster.root + "/notified"],
                                                environment: TestCredentials.controllerEnvironment.merging(["NOTIFY_SOCKET": controllerSocket.path]) { $1 })
            _ = try await controllerSocket.waitFor("READY=1")
            #expect(controller.log.contains("listening on"), "READY=1 comes once the API serves")
            try await controller.stop()
            _ = try await controllerSocket.waitFor("STOPPING=1")

            try FileManager.default.createDirectory(atPath: cluster.root + "/agent-socket", withIntermediateDirectories: true)
            let agentSocket = try NotifySocket(directory: cluster.root + "/agent-socket")
            try await cluster.startAgent("node-1", environment: ["NOTIFY_SOCKET": agentSocket.path])
            _ = try await agentSocket.waitFor("READY=1")
            try await cluster.stopAgent("node-1")
            _ = try await agentSocket.waitFor("STOPPING=1")
        }
    }
}
