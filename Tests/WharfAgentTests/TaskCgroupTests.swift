import Foundation
import Testing
@testable import WharfAgent
import WharfModel

@Suite("A task's own cgroup: its task-level cpu and memory as limits on all its containers")
struct TaskCgroupTests {
    @Test("cgroup v1: memory.limit_in_bytes, and a CFS quota of the task's CPU units with their shares")
    func version1() {
        let cgroup = TaskCgroup(root: "/cg", version: "1", taskID: "abc")
        #expect(cgroup.parent == "/wharf-tasks/abc")
        let files = cgroup.settings(cpu: 512, memoryMiB: 256).map { "\($0.path)=\($0.value)" }
        #expect(files == [
            "/cg/memory/wharf-tasks/abc/memory.limit_in_bytes=\(256 << 20)",
            "/cg/cpu/wharf-tasks/abc/cpu.cfs_period_us=100000",
            "/cg/cpu/wharf-tasks/abc/cpu.cfs_quota_us=50000",
            "/cg/cpu/wharf-tasks/abc/cpu.shares=512",
        ])
        #expect(cgroup.directories == [
            "/cg/memory/wharf-tasks", "/cg/memory/wharf-tasks/abc", "/cg/cpu/wharf-tasks", "/cg/cpu/wharf-tasks/abc",
        ])
    }

    @Test("cgroup v2: the controllers enabled for the subtree, then memory.max and cpu.max")
    func version2() {
        let cgroup = TaskCgroup(root: "/cg", version: "2", taskID: "abc")
        let files = cgroup.settings(cpu: 2048, memoryMiB: nil).map { "\($0.path)=\($0.value)" }
        #expect(files == [
            "/cg/cgroup.subtree_control=+cpu +memory",
            "/cg/wharf-tasks/cgroup.subtree_control=+cpu +memory",
            "/cg/wharf-tasks/abc/cpu.max=200000 100000",
        ])
    }

    @Test("the limits are written to the cgroup's files; a cgroup file system that is not there is an error")
    func writes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for controller in ["memory", "cpu"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(controller)", withIntermediateDirectories: true)
        }
        let cgroup = TaskCgroup(root: root, version: "1", taskID: "t1")
        // A real cgroup directory has these files already; plain directories need them made.
        for directory in cgroup.directories {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        for (path, _) in cgroup.settings(cpu: 256, memoryMiB: 64) {
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
        }
        try cgroup.create(cpu: 256, memoryMiB: 64)
        let limit = try String(contentsOfFile: "\(root)/memory/wharf-tasks/t1/memory.limit_in_bytes", encoding: .utf8)
        #expect(limit == String(64 << 20))
        #expect(throws: RuntimeError.self) {
            try TaskCgroup(root: "\(root)/none", version: "1", taskID: "t2").create(cpu: 256, memoryMiB: nil)
        }
    }

    @Test("a task with a size runs its containers in its cgroup; without a cgroup the size bounds each container")
    func spec() throws {
        var task = managedTask([ECS.ContainerDefinition(name: "app", image: "busybox")])
        task.definition.cpu = "512"
        task.definition.memory = "1GB"
        #expect(task.size?.cpu == 512 && task.size?.memoryMiB == 1024)
        let cgroup = TaskCgroup(version: "1", taskID: task.id)
        let inCgroup = ContainerSpec(
            container: "app", of: task, instanceArn: "i", cgroup: cgroup, runtimeID: { _ in nil })
        #expect(inCgroup.cgroupParent == "/wharf-tasks/abc")
        #expect(inCgroup.memoryMiB == nil && inCgroup.cpuQuotaUnits == nil)
        let bounded = ContainerSpec(container: "app", of: task, instanceArn: "i", runtimeID: { _ in nil })
        #expect(bounded.cgroupParent == nil)
        #expect(bounded.memoryMiB == 1024 && bounded.cpuQuotaUnits == 512)
        let body = try JSONSerialization.jsonObject(with: DockerClient.json(DockerAPI.ContainerCreate(bounded)))
        let host = (body as? [String: Any])?["HostConfig"] as? [String: Any]
        #expect(host?["NanoCpus"] as? Int == 500_000_000)
        task.overrides = ECS.TaskOverride(memory: "256")
        #expect(task.size?.memoryMiB == 256, "overrides first")
    }
}
