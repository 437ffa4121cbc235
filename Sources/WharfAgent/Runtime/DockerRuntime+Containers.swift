import Logging
import NIOCore
import NIOHTTP1

extension DockerRuntime {
    /// How much longer than the stop timeout a stop request may take: the engine answers only
    /// once the container has exited.
    static let stopGrace = TimeAmount.seconds(30)

    /// Creates the container with `POST /containers/create`, after creating the named volumes it
    /// mounts that do not exist yet.
    /// - Throws: `RuntimeError` with code `conflict` when the name is taken, `notFound` when the
    ///   image is not present, `invalid` when the engine refuses the spec.
    public func createContainer(_ spec: ContainerSpec) async throws(RuntimeError) -> String {
        for volume in spec.namedVolumes {
            try await ensureVolume(volume)
        }
        for name in spec.existingVolumes {
            let context = "looking for volume \"\(name)\""
            let found = try await client.request(.GET, "/volumes/\(DockerClient.escapePath(name))", context: context)
            guard found.status == .ok else {
                if found.status == .notFound {
                    throw RuntimeError(
                        .invalid,
                        "shared volume \"\(name)\" does not exist on this node and autoprovision is not true: create "
                            + "it (docker volume create \(name)) or set autoprovision in the task definition"
                    )
                }
                throw client.failure(found, context)
            }
        }
        let context = "creating container \"\(spec.name)\" from image \"\(spec.image)\""
        let response = try await client.request(
            .POST, "/containers/create", query: [("name", spec.name)],
            body: try DockerClient.json(DockerAPI.ContainerCreate(spec)), context: context
        )
        guard response.status == .created else { throw client.failure(response, context) }
        let created = try response.decode(DockerAPI.CreateResponse.self, context)
        for warning in created.warnings ?? [] {
            logger.warning("docker create warning", metadata: ["container.name": "\(spec.name)", "docker.warning": "\(warning)"])
        }
        // A setting the engine discards (swap on a kernel without swap accounting, swappiness under
        // cgroup v2) must not pass unnoticed: the container does not start without it.
        if let discarded = (created.warnings ?? []).first(where: { Self.discards($0, of: spec) }) {
            try? await removeContainer(id: created.id)
            throw RuntimeError(.invalid, "the engine cannot apply linuxParameters on this node: \(discarded)")
        }
        return created.id
    }

    /// Whether a create warning says the engine dropped a setting `spec` asks for.
    static func discards(_ warning: String, of spec: ContainerSpec) -> Bool {
        let text = warning.lowercased()
        return (spec.swappiness != nil && text.contains("swappiness"))
            || (spec.maxSwapMiB != nil && text.contains("swap limit"))
    }

    /// Starts the container; one that already runs is fine.
    /// - Throws: `RuntimeError` with code `conflict` when a host port it publishes is taken.
    public func startContainer(id: String) async throws(RuntimeError) {
        let context = "starting container \(id)"
        let response = try await client.request(.POST, "/containers/\(DockerClient.escapePath(id))/start", context: context)
        guard response.status == .noContent || response.status == .notModified else { throw client.failure(response, context) }
    }

    /// Stops the container: its stop signal, then SIGKILL after `timeoutSeconds`. One that is not
    /// running is fine. Returns once the container has exited.
    public func stopContainer(id: String, timeoutSeconds: Int) async throws(RuntimeError) {
        let context = "stopping container \(id)"
        let seconds = max(timeoutSeconds, 0)
        let response = try await client.request(
            .POST, "/containers/\(DockerClient.escapePath(id))/stop", query: [("t", String(seconds))],
            timeout: .seconds(Int64(seconds)) + Self.stopGrace, context: context
        )
        guard response.status == .noContent || response.status == .notModified else { throw client.failure(response, context) }
    }

    /// Removes the container, killing it if it runs, with its anonymous volumes. A container that
    /// does not exist, or whose removal is already under way, is fine.
    public func removeVolume(name: String) async throws(RuntimeError) {
        let context = "removing volume \"\(name)\""
        let response = try await client.request(.DELETE, "/volumes/\(DockerClient.escapePath(name))", context: context)
        switch response.status {
        case .noContent, .notFound:
            return
        default:
            throw client.failure(response, context)
        }
    }

    public func removeContainer(id: String) async throws(RuntimeError) {
        let context = "removing container \(id)"
        let response = try await client.request(
            .DELETE, "/containers/\(DockerClient.escapePath(id))", query: [("v", "true"), ("force", "true")], context: context
        )
        switch response.status {
        case .noContent, .notFound:
            return
        case .conflict where response.engineMessage.contains("already in progress"):
            return
        default:
            throw client.failure(response, context)
        }
    }

    /// The container's state from `GET /containers/{id}/json`.
    /// - Throws: `RuntimeError` with code `notFound` when it does not exist.
    public func inspectContainer(id: String) async throws(RuntimeError) -> ContainerState {
        let context = "inspecting container \(id)"
        let response = try await client.request(.GET, "/containers/\(DockerClient.escapePath(id))/json", context: context)
        guard response.status == .ok else { throw client.failure(response, context) }
        return ContainerState(try response.decode(DockerAPI.ContainerInspect.self, context))
    }

    /// Every container carrying all of `labels`, running or not, oldest first as the engine
    /// lists them: `GET /containers/json` filtered by label, then an inspect of each (which gives
    /// exit codes, health and bindings that the list leaves out). A container removed in between
    /// is left out.
    public func listContainers(labels: [String: String]) async throws(RuntimeError) -> [ContainerState] {
        let context = "listing containers labelled \(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })"
        var query = [("all", "true")]
        if !labels.isEmpty {
            query.append(("filters", String(decoding: try DockerClient.json(["label": Self.labelFilters(labels)]), as: UTF8.self)))
        }
        let response = try await client.request(.GET, "/containers/json", query: query, context: context)
        guard response.status == .ok else { throw client.failure(response, context) }
        var states: [ContainerState] = []
        for summary in try response.decode([DockerAPI.ContainerSummary].self, context).reversed() {
            do {
                states.append(try await inspectContainer(id: summary.id))
            } catch where error.code == .notFound {
                continue
            }
        }
        return states
    }

    /// `key=value` for each label, sorted, as the engine's `label` filter takes them.
    static func labelFilters(_ labels: [String: String]) -> [String] {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    /// Creates the named volume unless it exists (`GET /volumes/{name}`, `POST /volumes/create`).
    func ensureVolume(_ volume: DockerAPI.VolumeCreate) async throws(RuntimeError) {
        let context = "creating volume \"\(volume.name)\""
        let existing = try await client.request(.GET, "/volumes/\(DockerClient.escapePath(volume.name))", context: context)
        switch existing.status {
        case .ok:
            return
        case .notFound:
            let created = try await client.request(.POST, "/volumes/create", body: try DockerClient.json(volume), context: context)
            guard created.status == .created || created.status == .ok else { throw client.failure(created, context) }
        default:
            throw client.failure(existing, context)
        }
    }
}
