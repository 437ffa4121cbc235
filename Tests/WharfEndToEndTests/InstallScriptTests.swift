import Foundation
import Testing

@Suite("Deploy/install-agent.sh joins a node with an activation (systemd simulated)", .serialized)
struct InstallScriptTests {
    static let script = DockerEngine.repositoryRoot.appendingPathComponent("Deploy/install-agent.sh").path
    static let fakeSystemd = DockerEngine.repositoryRoot.appendingPathComponent("Tests/WharfEndToEndTests/Fixtures/fake-systemd").path

    /// Runs the script under `root` with the fake systemctl first on PATH.
    func install(_ root: String, _ arguments: [String]) async throws -> DockerEngine.CommandResult {
        let path = Self.fakeSystemd + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return try await DockerEngine.run(["env", "PATH=\(path)", "WHARF_INSTALL_ROOT=\(root)", "WHARF_INSTALL_TIMEOUT=60",
                                           "bash", Self.script] + arguments)
    }

    /// What the simulated service printed, for failure messages.
    func agentLog(_ root: String) -> String {
        let log = (try? String(contentsOfFile: root + "/run/wharf-agent.log", encoding: .utf8)) ?? "(no agent log)"
        return "\nagent log:\n" + log.split(separator: "\n").suffix(30).joined(separator: "\n")
    }

    @Test("shellcheck finds nothing in the install script")
    func shellcheck() async throws {
        let result = try await DockerEngine.run(["shellcheck", Self.script, Self.fakeSystemd + "/systemctl"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test("install joins over HTTPS with the pinned CA and leaves a running, registered agent; a second run is safe; --uninstall removes it; bad arguments are refused")
    func installs() async throws {
        try await withCluster(controllerArguments: ["--tls", "on"]) { cluster in
            let root = cluster.root + "/machine"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            defer { _ = try? FileManager.default.removeItem(atPath: root) }
            let activation = try await cluster.client.call("CreateActivation", ["IamRole": "ecsAnywhereRole", "RegistrationLimit": 1], target: "AmazonSSM")
            let id = try #require(activation.json["ActivationId"] as? String)
            let code = try #require(activation.json["ActivationCode"] as? String)
            #expect(cluster.controller.endpoint.hasPrefix("https://"))
            let fingerprint = try #require(cluster.controller.caFingerprint, "\(cluster.controller.log)")
            let base = ["--controller", cluster.controller.endpoint, "--cluster", cluster.name, "--activation-id", id,
                        "--activation-code", code, "--binary", ManagedProcess.built("wharf-agent").path]
            // Two controllers, the first unreachable: the agent joins through the second.
            var arguments = base + ["--ca-fingerprint", fingerprint]
            arguments[1] = "https://127.0.0.1:1," + cluster.controller.endpoint
            do {
                let first = try await install(root, arguments)
                #expect(first.status == 0, "\(first.stdout)\(first.stderr)\(agentLog(root))")
                let joined = try #require(first.stdout.split(separator: "\n").last { $0.contains("joined cluster") }, "\(first.stdout)")
                let arn = String(joined.split(separator: " ").last ?? "")
                let listed = try await cluster.client.call("ListContainerInstances", ["cluster": cluster.name]).json["containerInstanceArns"] as? [String]
                #expect(listed == [arn])
                let mode = try FileManager.default.attributesOfItem(atPath: root + "/etc/wharf/agent.env")[.posixPermissions] as? Int
                #expect(mode == 0o600, "the settings hold the activation code")
                #expect(FileManager.default.isExecutableFile(atPath: root + "/usr/local/bin/wharf-agent"))
                let settings = (try? String(contentsOfFile: root + "/etc/wharf/agent.env", encoding: .utf8)) ?? ""
                #expect(settings.contains("WHARF_CA_FINGERPRINT=\(fingerprint)"), "\(settings)")
                #expect(!settings.contains("WHARF_INSECURE_HTTP"), "\(settings)")
                #expect(settings.contains("WHARF_CONTROLLER=https://127.0.0.1:1,\(cluster.controller.endpoint)\n"), "\(settings)")
                #expect(FileManager.default.fileExists(atPath: root + "/var/lib/wharf-agent/controller-ca.pem"), "the agent pinned the CA")

                // Again: the same node (it rejoins with its saved identity; the activation allowed one).
                let second = try await install(root, arguments)
                #expect(second.status == 0, "\(second.stdout)\(second.stderr)\(agentLog(root))")
                #expect(second.stdout.contains("as \(arn)"), "\(second.stdout)")

                let removed = try await install(root, ["--uninstall"])
                #expect(removed.status == 0, "\(removed.stderr)")
                #expect(!FileManager.default.fileExists(atPath: root + "/usr/local/bin/wharf-agent"))
                #expect(!FileManager.default.fileExists(atPath: root + "/etc/systemd/system/wharf-agent.service"))
                #expect(!FileManager.default.fileExists(atPath: root + "/run/wharf-agent.pid"), "the agent was stopped")
            } catch {
                _ = try? await install(root, ["--uninstall"])
                throw error
            }
            _ = try? await install(root, ["--uninstall"])

            for (bad, fragment) in [
                (["--controller", cluster.controller.endpoint], "--activation-id and --activation-code are required"),
                (["--controller", "ftp://x", "--activation-id", id, "--activation-code", code], "is not an http(s) URL"),
                (["--controller", cluster.controller.endpoint + ",ftp://y", "--activation-id", id, "--activation-code", code],
                 "\"ftp://y\" is not an http(s) URL"),
                (base + ["--ca-fingerprint", "ab"], "is not a SHA-256 fingerprint"),
                (base + ["--ca-fingerprint", fingerprint, "--ca-file", "/etc/hostname"], "not both"),
                (["--controller", "http://127.0.0.1:1", "--activation-id", id, "--activation-code", code, "--ca-fingerprint", fingerprint],
                 "verify an https:// controller"),
                (["--frobnicate"], "unknown option"),
                (["--controller", "http://192.0.2.10:8080", "--activation-id", id, "--activation-code", code],
                 "\"http://192.0.2.10:8080\" is plain HTTP beyond loopback"),
                (["--controller", "http://[2001:db8::1]:8080/", "--activation-id", id, "--activation-code", code],
                 "is plain HTTP beyond loopback"),
            ] {
                let result = try await install(root, bad)
                #expect(result.status != 0 && result.stderr.contains(fragment), "\(bad): \(result.stderr)")
            }
            // Plain HTTP beyond loopback when asked for, passed on to the agent (--no-start: nothing to join).
            let plain = ["--controller", "http://192.0.2.10:8080", "--cluster", cluster.name, "--activation-id", id,
                         "--activation-code", code, "--binary", ManagedProcess.built("wharf-agent").path]
            let accepted = try await install(root, plain + ["--insecure-http", "--no-start"])
            #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
            let settings = (try? String(contentsOfFile: root + "/etc/wharf/agent.env", encoding: .utf8)) ?? ""
            #expect(settings.contains("WHARF_INSECURE_HTTP=true\n"), "\(settings)")
            _ = try? await install(root, ["--uninstall"])
        }
    }
}
