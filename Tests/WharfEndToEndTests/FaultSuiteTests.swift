import Foundation
import Testing

/// Small versions of the fault suite (`Benchmarks/faults/`, docs/reliability.md): each scenario's
/// own script, run with small counts against this build's daemons, so the scenarios and the
/// guarantees they check run on every push. The scripts fail (exit 1) when a guarantee is broken;
/// the figures they record are checked here too, so a scenario that did nothing cannot pass.
@Suite(
    "The fault suite, small: kills, power cuts, partitions, a full disk, bad input, concurrent writes, forged traffic",
    .serialized
)
struct FaultSuiteTests {
    /// Runs `Benchmarks/faults/NAME.py` with `arguments`; returns its exit status, its output and
    /// the results it recorded.
    func scenario(_ name: String, _ arguments: [String]) async throws -> (Int32, String, [String: Any]) {
        _ = try await DockerEngine.ensureAvailable()
        let root = DockerEngine.repositoryRoot
        let record = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-fault-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: record) }
        let binaries = ManagedProcess.built("wharf-controller").deletingLastPathComponent().path
        let script = root.appendingPathComponent("Benchmarks/faults/\(name).py").path
        let result = try await DockerEngine.run(
            ["python3", script, "--bin-dir", binaries, "--json", record.path] + arguments
        )
        let output = result.stdout + result.stderr
        let records = (try? JSONSerialization.jsonObject(with: Data(contentsOf: record))) as? [String: Any]
        let entry = records?.values.first as? [String: Any]
        return (result.status, output, entry?["results"] as? [String: Any] ?? [:])
    }

    @Test("controller SIGKILL under concurrent writes: nothing acknowledged lost, every restart serves, tasks run on")
    func controllerKill() async throws {
        let (status, output, results) = try await scenario("controller-kill", ["--kills", "5", "--writers", "3"])
        #expect(status == 0, "\(output.suffix(3000))")
        #expect(results["acknowledged_total"] as? Int ?? 0 > 50, "\(results)")
        #expect(results["lost"] as? Int == 0 && results["failed_restarts"] as? Int == 0, "\(results)")
        #expect(results["steady_containers_disturbed"] as? Int == 0, "\(results)")
    }

    @Test("agent SIGKILL during task churn: no duplicate, no orphan, no wanted container stopped")
    func agentKill() async throws {
        let (status, output, results) = try await scenario("agent-kill", ["--kills", "5"])
        #expect(status == 0, "\(output.suffix(3000))")
        #expect(results["tasks_started"] as? Int ?? 0 > 5, "\(results)")
        for figure in ["duplicates", "orphans", "keep_containers_lost", "unexpected_stops"] {
            #expect(results[figure] as? Int == 0, "\(figure): \(results)")
        }
    }

    @Test("power cut: agent files earlier, torn, empty, lost, identity lost: the running containers are taken up")
    func powerCut() async throws {
        let (status, output, results) = try await scenario("power-cut", ["--rounds", "1"])
        #expect(status == 0, "\(output.suffix(3000))")
        let summary = results["summary"] as? [String: Any] ?? [:]
        #expect(summary["cuts"] as? Int == 5, "\(summary)")
        #expect(summary["failed"] as? Int == 0, "\(summary)")
        #expect(summary["containers_stopped"] as? Int == 0 && summary["containers_started"] as? Int == 0)
    }

    @Test("partition shorter than the grace moves nothing; longer replaces the node's tasks and settles after")
    func partition() async throws {
        let (status, output, results) = try await scenario(
            "partition",
            ["--grace", "10", "--rounds", "1", "--no-timing-goal"]
        )
        #expect(status == 0, "\(output.suffix(3000))")
        let cuts = results["cuts"] as? [[String: Any]] ?? []
        #expect(cuts.count == 2, "\(results)")
        #expect(cuts.first?["tasks_moved"] as? Int == 0, "\(cuts)")
        #expect(cuts.last?["node1_tasks"] as? Int ?? 0 > 0, "the long cut had tasks to replace: \(cuts)")
        #expect(cuts.last?["running_after"] as? Int == 4 && cuts.last?["old_still_running"] as? Int == 0)
    }

    @Test("disk full and a failed, read-only disk: clear refusals, reads and tasks unaffected, nothing damaged")
    func diskFull() async throws {
        let (status, output, results) = try await scenario("disk-full", ["--writes", "10"])
        #expect(status == 0, "\(output.suffix(3000))")
        let phases = results["phases"] as? [[String: Any]] ?? []
        #expect(phases.count == 2, "\(results)")
        for phase in phases {
            #expect((phase["server_errors"] as? Int ?? 0) > 0, "the disk refused something: \(phase)")
        }
        #expect(results["acknowledged_missing"] as? Int == 0 && results["refused_but_present"] as? Int == 0)
        #expect((results["integrity"] as? [String: String])?.values.allSatisfy { $0 == "ok" } == true)
    }

    @Test("bad input: generated malformed requests to every API and the agent API: no 5xx, no crash, no hang")
    func badInput() async throws {
        let (status, output, results) = try await scenario("bad-input", ["--requests", "500"])
        #expect(status == 0, "\(output.suffix(3000))")
        #expect(results["sent"] as? Int ?? 0 >= 500, "\(results)")
        for figure in ["five_xx", "hangs", "dropped", "crashes"] {
            #expect(results[figure] as? Int == 0, "\(figure): \(results)")
        }
    }

    @Test("concurrent valid writes from many clients across the APIs: no 5xx, every acknowledged write readable")
    func concurrentWrites() async throws {
        let (status, output, results) = try await scenario("concurrent-writes", ["--clients", "8", "--rounds", "6"])
        #expect(status == 0, "\(output.suffix(3000))")
        #expect(results["calls"] as? Int ?? 0 > 800, "\(results)")
        for figure in ["five_xx", "no_answer", "unexpected_refusals", "acknowledged_missing"] {
            #expect(results[figure] as? Int == 0, "\(figure): \(results)")
        }
        #expect(results["controller_alive"] as? Bool == true, "\(results)")
    }

    @Test("forged traffic: another node's credential, expired and forged signatures, unsigned register: all refused")
    func forgedTraffic() async throws {
        let (status, output, results) = try await scenario("forged-traffic", [])
        #expect(status == 0, "\(output.suffix(3000))")
        #expect(results["attempts"] as? Int ?? 0 > 100, "\(results)")
        #expect(results["accepted"] as? Int == 0 && results["attempts"] as? Int == results["refused"] as? Int)
        #expect((results["changed"] as? [String])?.isEmpty == true, "\(results)")
    }
}
