#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import WharfFiles
import WharfProtocol

/// The agent's memory across restarts, as files under its data directory: `identity.json`
/// (mode 0600: it holds the credential) and `tasks.json`. Each write goes to a temporary file that
/// is flushed to disk and renamed into place, and the directory is flushed after the rename, so a
/// crash or a power cut leaves either the old or the new file, never half of one or none.
public struct AgentStateFiles: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    var identityPath: String { directory.hasSuffix("/") ? directory + "identity.json" : directory + "/identity.json" }
    var tasksPath: String { directory.hasSuffix("/") ? directory + "tasks.json" : directory + "/tasks.json" }

    /// Creates the directory (mode 0700) if needed.
    public func prepare() throws(AgentError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw AgentError(.state, "cannot create the data directory \(directory): \(error)")
        }
    }

    /// The saved identity, if the agent registered before.
    public func identity() throws(AgentError) -> RegisterResponse? {
        try read(RegisterResponse.self, from: identityPath)
    }

    public func save(identity: RegisterResponse) throws(AgentError) {
        try write(identity, to: identityPath)
    }

    public func tasks() throws(AgentError) -> [ManagedTask] {
        try read([ManagedTask].self, from: tasksPath) ?? []
    }

    public func save(tasks: [ManagedTask]) throws(AgentError) {
        try write(tasks, to: tasksPath)
    }

    /// Each task's JSON as last written, so a save encodes only the tasks that changed.
    public struct EncodedTasks: Sendable {
        var entries: [String: (task: ManagedTask, json: Data)] = [:]
        public init() {}
    }

    /// Saves `tasks` as ``save(tasks:)`` does (the same JSON), encoding only the tasks that differ
    /// from their entry in `encoded`: each change on a node used to encode all its tasks again,
    /// half of what 1,000 simulated agents spent (docs/benchmarks.md, scheduling throughput).
    public func save(tasks: [ManagedTask], reusing encoded: inout EncodedTasks) throws(AgentError) {
        let encoder = JSONEncoder()
        var data = Data("[".utf8)
        var kept: [String: (task: ManagedTask, json: Data)] = [:]
        do {
            for (index, task) in tasks.enumerated() {
                let json: Data
                if let entry = encoded.entries[task.arn], entry.task == task {
                    json = entry.json
                } else {
                    json = try encoder.encode(task)
                }
                kept[task.arn] = (task, json)
                if index > 0 { data.append(UInt8(ascii: ",")) }
                data.append(json)
            }
        } catch {
            throw AgentError(.state, "cannot encode the tasks for \(tasksPath): \(error)")
        }
        data.append(UInt8(ascii: "]"))
        encoded.entries = kept
        try write(data: data, to: tasksPath)
    }

    /// Moves a damaged file aside, next to where it was (`NAME.damaged-SECONDS`), so the agent can
    /// start without it and an operator can still look at it; returns its new path, or nil when
    /// it could not be moved.
    public func setAside(_ path: String) -> String? {
        let aside = "\(path).damaged-\(Int(Date().timeIntervalSince1970))"
        guard rename(path, aside) == 0 else { return nil }
        try? DurableFile.syncDirectory(of: aside)
        return aside
    }

    /// Forgets the identity (after the controller said the instance was deregistered).
    public func forgetIdentity() {
        try? DurableFile.remove(identityPath)
    }

    func read<T: Decodable>(_ type: T.Type, from path: String) throws(AgentError) -> T? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw AgentError(.state, "\(path) is damaged (\(error)); move it aside to start afresh")
        }
    }

    func write(_ value: some Encodable, to path: String) throws(AgentError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(value)
        } catch {
            throw AgentError(.state, "cannot write \(path): \(error)")
        }
        try write(data: data, to: path)
    }

    /// Replaces the file durably (``DurableFile``): after a power cut it holds the old contents or
    /// the new, never a stale mixture or nothing, and the rename is on disk before this returns.
    func write(data: Data, to path: String) throws(AgentError) {
        do {
            try DurableFile.write(Array(data), to: path)
        } catch {
            throw AgentError(.state, error.description)
        }
    }
}

/// A failure of the agent, with what it was doing.
public struct AgentError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// The data directory or its files.
        case state
        /// The controller refused the agent for good (wrong version, deregistered, no cluster).
        case terminal
        /// The controller cannot be reached or answered with an error worth retrying.
        case controller
        /// The container engine is unusable.
        case runtime
        /// The configuration is not valid.
        case configuration
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
