import Foundation
import Testing

@Suite("wharf lab: nodes in network namespaces with engines of their own", .serialized)
struct LabTests {
    /// `wharf lab SUBCOMMAND` for the lab `name` in `dir`.
    static func lab(_ arguments: [String], name: String, dir: String) async throws -> DockerEngine.CommandResult {
        try await DockerEngine.run(
            [ManagedProcess.built("wharf").path, "lab"] + arguments + ["--name", name, "--dir", dir]
        )
    }

    /// A command run with the lab's environment (`eval "$(wharf lab env)"`).
    static func inLab(_ command: String, name: String, dir: String) async throws -> DockerEngine.CommandResult {
        let wharf = ManagedProcess.built("wharf").path
        return try await DockerEngine.run([
            "sh", "-c", "eval \"$(\"$1\" lab env --name \"$2\" --dir \"$3\")\" && \(command)", "sh", wharf, name, dir,
        ])
    }

    @Test(
        """
        wharf lab up starts a controller and two nodes with engines of their own; tasks run on both and answer on \
        the nodes' addresses; wharf lab down leaves no namespace, bridge, process, cgroup or file
        """
    )
    func upRunDown() async throws {
        _ = try await DockerEngine.ensureAvailable()
        let name = "e" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(5))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-lab-\(name)").path
        let subnet = "10.\(200 + Int.random(in: 0..<50)).\(Int.random(in: 0..<250)).0/24"
        let port = Int.random(in: 20_000..<30_000)
        let octets = subnet.split(separator: ".").prefix(3).joined(separator: ".")
        var failure: (any Error)?
        do {
            let up = try await Self.lab(
                ["up", "--nodes", "2", "--subnet", subnet, "--port", String(port), "--image", DockerEngine.testImage],
                name: name,
                dir: dir
            )
            try #require(up.status == 0, "wharf lab up failed: \(up.stdout)\(up.stderr)")
            let instances = try await Self.inLab(
                "aws ecs list-container-instances --output json",
                name: name,
                dir: dir
            )
            #expect(instances.stdout.components(separatedBy: "container-instance/default/").count == 3, "\(instances)")
            let definition =
                #"[{"name": "web", "image": "\#(DockerEngine.testImage)", "memory": 32, "#
                + #""command": ["httpd", "-f", "-p", "80", "-h", "/etc"], "#
                + #""portMappings": [{"containerPort": 80, "hostPort": 8080}]}]"#
            let registered = try await Self.inLab(
                "aws ecs register-task-definition --family web --container-definitions '\(definition)'",
                name: name,
                dir: dir
            )
            #expect(registered.status == 0, "\(registered.stderr)")
            let ran = try await Self.inLab(
                "aws ecs run-task --task-definition web --count 2 --placement-constraints type=distinctInstance "
                    + "--query 'length(tasks)' --output text",
                name: name,
                dir: dir
            )
            #expect(ran.trimmedStdout == "2", "\(ran)")
            for node in 1...2 {
                let address = "\(octets).\(9 + node)"
                var status = 0
                for _ in 0..<50 where status != 200 {
                    status = await httpStatus(url: "http://\(address):8080/passwd")
                    if status != 200 { try await Task.sleep(for: .milliseconds(300)) }
                }
                #expect(status == 200, "the task on node \(node) answers on \(address):8080")
                let containers = try await DockerEngine.run(
                    ["docker", "-H", "unix://\(dir)/node-\(node)/docker.sock", "ps", "-q"])
                #expect(containers.trimmedStdout.split(separator: "\n").count == 1, "one task on node \(node)")
            }
            let hostContainers = try await DockerEngine.run(
                ["docker", "ps", "-q", "--filter", "label=com.amazonaws.ecs.task-definition-family=web"])
            #expect(hostContainers.trimmedStdout.isEmpty, "nothing ran on this machine's own engine")
        } catch {
            failure = error
        }
        let down = try await Self.lab(["down"], name: name, dir: dir)
        #expect(down.status == 0, "wharf lab down failed: \(down.stdout)\(down.stderr)")
        let namespaces = try await DockerEngine.run(["ip", "netns", "list"])
        #expect(!namespaces.stdout.contains("wharf-\(name)-"), "\(namespaces.stdout)")
        let bridge = try await DockerEngine.run(["ip", "link", "show", "wl-\(name)"])
        #expect(bridge.status != 0, "the bridge is gone")
        let processes = try await DockerEngine.run(["pgrep", "-f", dir])
        #expect(processes.trimmedStdout.isEmpty, "no process of the lab is left: \(processes.stdout)")
        let cgroups = try await DockerEngine.run(
            ["find", "/sys/fs/cgroup", "-maxdepth", "3", "-type", "d", "-name", "wharf-lab-\(name)-*"])
        #expect(cgroups.trimmedStdout.isEmpty, "\(cgroups.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir))
        if let failure { throw failure }
    }

    @Test("wharf lab refuses a bad name, subnet or node count before it makes anything")
    func refused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-lab-bad").path
        for (arguments, message) in [
            (["up", "--subnet", "10.0.0.0/16"], "must be a /24"),
            (["up", "--nodes", "0"], "--nodes 0 must be 1 to 200"),
        ] {
            let result = try await Self.lab(arguments, name: "bad", dir: dir)
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        let badName = try await Self.lab(["up"], name: "Bad_Name", dir: dir)
        #expect(badName.stderr.contains("must be 1 to 8 lowercase letters and digits"), "\(badName.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir))
        let down = try await Self.lab(["down"], name: "bad", dir: dir)
        #expect(down.status != 0 && down.stderr.contains("no lab in"), "\(down.stderr)")
    }
}
