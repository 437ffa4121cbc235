import Crypto
import Foundation
import Logging
import WharfModel
import WharfProtocol

extension Controller {
    /// The hex SHA-256 of a credential: only hashes are stored.
    static func hash(_ credential: String) -> String {
        SHA256.hash(data: Data(credential.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random credential (256 bits, base64url).
    static func newCredential() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// `register`: joins or rejoins a node.
    public func register(_ request: RegisterRequest) async throws(AgentProtocolError) -> RegisterResponse {
        try Self.checkVersion(request.protocolVersion)
        let credential = Self.newCredential()
        let longPoll = Int(settings.longPoll.components.seconds)
        do {
            if request.cluster == "default" || request.cluster.isEmpty {
                _ = try await write { state, _ in try state.createCluster(ECS.CreateClusterRequest(clusterName: "default")) }
            }
            let open = openRegistration
            let response = try await write { state, now in
                try state.registerAgent(request, credential: credential, credentialHash: Self.hash, openRegistration: open,
                                        longPollSeconds: longPoll, now: now)
            }
            lastSeen[response.containerInstanceArn] = now()
            return response
        } catch let error as AgentProtocolError {
            throw error
        } catch {
            throw AgentProtocolError(.serverError, "\(error)")
        }
    }

    /// The registered instance `arn` names, when `credential` is its own.
    public func authenticateAgent(arn: String, credential: String) throws(AgentProtocolError) -> ContainerInstanceRecord {
        do {
            return try read { try $0.authenticateAgent(arn: arn, credential: credential, credentialHash: Self.hash) }
        } catch let error as AgentProtocolError {
            throw error
        } catch {
            throw AgentProtocolError(.serverError, "\(error)")
        }
    }

    /// `sync`: records the agent's report, then answers with the node's desired state at once when
    /// it is newer than the agent's, else after it changes or the long poll ends.
    /// - Parameter recorded: told the outcome (`ok` or the error code) and how long recording the
    ///   report took, before any long poll.
    public func sync(_ request: SyncRequest, recorded: @Sendable (String, Duration) -> Void = { _, _ in }) async throws(AgentProtocolError)
        -> SyncResponse
    {
        let started = ContinuousClock.now
        var inFlight = false
        defer {
            if inFlight {
                let left = (syncsInFlight[request.containerInstanceArn] ?? 1) - 1
                syncsInFlight[request.containerInstanceArn] = left > 0 ? left : nil
            }
        }
        do {
            try Self.checkVersion(request.protocolVersion)
            // Hashed once: checked here and again when the batch records the report.
            let hashed = Self.hash(request.credential)
            // An agent whose request arrived is alive, however long its write waits for the
            // writer: under a heavy load of writes it must not be taken for lost meanwhile.
            if (try? stateSnapshot.authenticate(request, credentialHash: { _ in hashed })) != nil {
                lastSeen[request.containerInstanceArn] = now()
                syncsInFlight[request.containerInstanceArn, default: 0] += 1
                inFlight = true
            }
            try await recordBatched(request, credentialHash: hashed)
        } catch let error as AgentProtocolError {
            recorded(error.code.rawValue, ContinuousClock.now - started)
            throw error
        } catch {
            recorded(AgentProtocolError.Code.serverError.rawValue, ContinuousClock.now - started)
            throw AgentProtocolError(.serverError, "\(error)")
        }
        recorded("ok", ContinuousClock.now - started)
        let arn = request.containerInstanceArn
        recordUsage(request)
        lastSeen[arn] = now()
        if desiredVersion(arn) <= request.desiredVersion {
            await waitForChange(of: arn, beyond: request.desiredVersion, timeout: settings.longPoll)
        }
        lastSeen[arn] = now()
        guard let record = stateSnapshot.containerInstances[arn] else {
            throw AgentProtocolError(.deregistered, "container instance \(arn) is gone")
        }
        guard record.instance.status != "INACTIVE" else {
            throw AgentProtocolError(.deregistered, "container instance \(arn) was deregistered; the agent must stop its tasks")
        }
        return stateSnapshot.desiredState(for: record, reported: request.tasks)
    }

    static func checkVersion(_ version: Int) throws(AgentProtocolError) {
        guard version == AgentProtocol.version else {
            throw AgentProtocolError(.versionMismatch, "the agent speaks protocol version \(version), this controller speaks \(AgentProtocol.version); run matching versions of wharf-agent and wharf-controller")
        }
    }

    func desiredVersion(_ arn: String) -> Int {
        stateSnapshot.containerInstances[arn]?.desiredVersion ?? 0
    }

    /// Marks agents that have not synced within the grace period as disconnected.
    public func sweepLiveness() async {
        let cutoff = now().addingTimeInterval(-Double(settings.disconnectAfter.components.seconds))
        do {
            let lost = try await write { state, now in
                // An agent waiting for the answer to a sync is alive: it cannot sync again before
                // the answer comes, however long the controller takes to give it.
                var seen = lastSeen
                for (arn, count) in syncsInFlight where count > 0 { seen[arn] = now }
                return state.disconnect(lastSeen: seen, cutoff: cutoff)
            }
            for arn in lost {
                // What it last reported is no longer known to be true.
                usage[arn] = nil
                logger.warning("agent disconnected: no sync within the grace period", metadata: ["instance.arn": "\(arn)"])
            }
        } catch {
            logger.error("could not record disconnected agents", metadata: ["error": "\(error)"])
        }
    }
}

extension Controller {
    /// Records a sync's report together with the others that arrived while the writer was busy:
    /// one write, and one store transaction, for a whole batch. A fleet reporting at once used to
    /// queue one write per sync, and the syncs waited seconds for their turn
    /// (docs/benchmarks.md, scheduling throughput). Returns once the report is durable, or throws
    /// what recording this report alone threw.
    /// - Parameter credentialHash: the hash of the request's credential.
    func recordBatched(_ request: SyncRequest, credentialHash: String) async throws {
        let result: Result<Void, any Error> = await withCheckedContinuation { continuation in
            pendingSyncs.append(PendingSync(request: request, credentialHash: credentialHash, continuation: continuation))
            if pendingSyncs.count == 1 { Task { await self.flushSyncs() } }
        }
        try result.get()
    }

    /// Records every pending sync in one write; a second sync of the same instance waits for the
    /// next batch, so each report is recorded against the state the one before it left.
    func flushSyncs() async {
        while !pendingSyncs.isEmpty {
            await acquireWriter()
            // Taken once the turn came, so the batch holds all that arrived meanwhile.
            var seen = Set<String>()
            var batch: [PendingSync] = []
            var later: [PendingSync] = []
            for entry in pendingSyncs {
                if seen.insert(entry.request.containerInstanceArn).inserted { batch.append(entry) } else { later.append(entry) }
            }
            pendingSyncs = later
            let now = now()
            var changes: [StateChange] = []
            var results: [Result<Void, any Error>] = []
            for entry in batch {
                do {
                    let record = try stateSnapshot.authenticate(entry.request, credentialHash: { _ in entry.credentialHash })
                    changes += stateSnapshot.recordSync(entry.request, record: record, now: now).changes
                    results.append(.success(()))
                } catch {
                    results.append(.failure(error))
                }
            }
            do {
                try await commit(changes)
            } catch {
                results = results.map { $0.flatMap { .failure(error) } }
            }
            releaseWriter()
            for (entry, result) in zip(batch, results) { entry.continuation.resume(returning: result) }
        }
    }
}

/// A sync report waiting for its batch, and the sync waiting for it to be recorded.
struct PendingSync {
    var request: SyncRequest
    var credentialHash: String
    var continuation: CheckedContinuation<Result<Void, any Error>, Never>
}
