#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A task's own cgroup, which holds the task-level `cpu` and `memory` of its definition as limits
/// on all its containers together, as ECS's agent makes one: the containers are created with it as
/// their cgroup parent. Made with the engine's `cgroupfs` driver on cgroup v1 or v2, under
/// `wharf-tasks/<task ID>`; the `systemd` driver manages its slices itself, so there the task's
/// size bounds each container instead (``ContainerSpec/taskBound``).
public struct TaskCgroup: Equatable, Sendable {
    /// The microseconds of a CPU period; the quota is a share of it (1024 units a CPU).
    public static let period = 100_000

    /// Where the cgroup file system is mounted.
    public var root: String
    /// `1` or `2`.
    public var version: String
    /// The task's ID (the last part of its ARN).
    public var taskID: String

    public init(root: String = "/sys/fs/cgroup", version: String, taskID: String) {
        self.root = root
        self.version = version
        self.taskID = taskID
    }

    /// The cgroup parent to create the containers with.
    public var parent: String { "/wharf-tasks/\(taskID)" }

    /// The files to write, in order, for `cpu` units and `memory` MiB (either may be nil).
    public func settings(cpu: Int?, memoryMiB: Int?) -> [(path: String, value: String)] {
        var files: [(String, String)] = []
        if version == "2" {
            files.append(("\(root)/cgroup.subtree_control", "+cpu +memory"))
            files.append(("\(root)/wharf-tasks/cgroup.subtree_control", "+cpu +memory"))
            if let memoryMiB { files.append(("\(root)\(parent)/memory.max", String(memoryMiB << 20))) }
            if let cpu { files.append(("\(root)\(parent)/cpu.max", "\(Self.quota(cpu)) \(Self.period)")) }
        } else {
            if let memoryMiB {
                files.append(("\(root)/memory\(parent)/memory.limit_in_bytes", String(memoryMiB << 20)))
            }
            if let cpu {
                files.append(("\(root)/cpu\(parent)/cpu.cfs_period_us", String(Self.period)))
                files.append(("\(root)/cpu\(parent)/cpu.cfs_quota_us", String(Self.quota(cpu))))
                files.append(("\(root)/cpu\(parent)/cpu.shares", String(max(cpu, 2))))
            }
        }
        return files
    }

    /// The directories the cgroup is made of, parents first.
    public var directories: [String] {
        version == "2"
            ? ["\(root)/wharf-tasks", "\(root)\(parent)"]
            : ["memory", "cpu"].flatMap { ["\(root)/\($0)/wharf-tasks", "\(root)/\($0)\(parent)"] }
    }

    /// The quota, in microseconds of a period, for `cpu` units.
    static func quota(_ cpu: Int) -> Int { max(1_000, cpu * period / 1024) }

    /// Makes the cgroup and writes its limits.
    /// - Throws: `RuntimeError` naming the file that could not be written.
    public func create(cpu: Int?, memoryMiB: Int?) throws(RuntimeError) {
        for directory in directories where mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw RuntimeError(.invalid, "cannot create the task's cgroup \(directory): \(Self.lastError)")
        }
        for (path, value) in settings(cpu: cpu, memoryMiB: memoryMiB) {
            let descriptor = open(path, O_WRONLY)
            guard descriptor >= 0 else {
                throw RuntimeError(.invalid, "cannot open \(path) to limit the task: \(Self.lastError)")
            }
            defer { close(descriptor) }
            let bytes = Array(value.utf8)
            guard write(descriptor, bytes, bytes.count) == bytes.count else {
                throw RuntimeError(.invalid, "cannot write \(value) to \(path) to limit the task: \(Self.lastError)")
            }
        }
    }

    /// What the last failed system call says.
    static var lastError: String { String(cString: strerror(errno)) }

    /// Removes the task's directories (once its containers are gone; the shared parent stays).
    public func remove() {
        for directory in directories.reversed() where !directory.hasSuffix("/wharf-tasks") {
            _ = rmdir(directory)
        }
    }
}
