import Crypto
import Foundation
import Logging
import Synchronization
import WharfModel
import WharfProtocol
import WharfState

extension Controller {
    /// The hex SHA-256 of a credential: only hashes are stored.
    static func hash(_ credential: String) -> String {
        let digest = SHA256.hash(data: Data(credential.utf8))
        // Written digit by digit: `String(format:)` per byte was 6 % of a busy controller's CPU.
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 64) { buffer in
            var index = 0
            for byte in digest {
                buffer[index] = digits[Int(byte >> 4)]
                buffer[index + 1] = digits[Int(byte & 0xF)]
                index += 2
            }
            return index
        }
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
        // A node that names another region than this controller's state is for: that region has
        // no clusters here (the router sends it where it belongs when it is open).
        let region = inspect { $0.context.region }
        if let wanted = request.region, wanted != region {
            throw AgentProtocolError(
                .clusterNotFound,
                "region \(wanted) has no clusters on this controller: create the cluster with a client in that region"
            )
        }
        let credential = Self.newCredential()
        let longPoll = Int(settings.longPoll.components.seconds)
        // Who is asking comes first: a caller with neither a valid credential, nor a valid
        // activation, nor open registration gets its refusal without a write in the queue.
        let open = openRegistration
        let checkedAt = now()
        do {
            try inspect { state in
                try state.authorizeRegistration(
                    request,
                    credentialHash: Self.hash,
                    openRegistration: open,
                    now: checkedAt
                )
            }
        } catch let error as AgentProtocolError {
            throw error
        } catch {
            throw AgentProtocolError(.serverError, "\(error)")
        }
        do {
            let cidr = taskCIDR
            let seed = nextSeed()
            let response = try await write { state, now in
                try state.registerAgent(
                    request,
                    credential: credential,
                    credentialHash: Self.hash,
                    openRegistration: open,
                    taskCIDR: cidr,
                    longPollSeconds: longPoll,
                    now: now,
                    seed: seed
                )
            }
            if let id = InstanceID(arnSuffix: response.containerInstanceArn) { lastSeen[id] = now() }
            return response
        } catch let error as AgentProtocolError {
            throw error
        } catch {
            throw AgentProtocolError(.serverError, "\(error)")
        }
    }

    /// The registered instance `arn` names, when `credential` is its own.
    public func authenticateAgent(arn: String, credential: String) async throws(AgentProtocolError) -> InstanceRecord {
        do {
            return try await read {
                try $0.authenticateAgent(arn: arn, credential: credential, credentialHash: Self.hash)
            }
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
    /// - Parameter request: consumed: of the report, only its tasks' ARNs are kept through the
    ///   long poll (a thousand held syncs held ten megabytes of reports: docs/benchmarks.md).
    public nonisolated func sync(
        _ request: consuming SyncRequest,
        recorded: @Sendable (String, Duration) -> Void = { _, _ in }
    ) async throws(AgentProtocolError)
        -> SyncResponse
    {
        // Before entering the actor: the credential's hash, checked there and again when the
        // report is recorded, and the reports' digests.
        let started = ContinuousClock.now
        let hashed = Self.hash(request.credential)
        let digests = request.tasks.map(\.mergeDigest)
        return try await sync(consume request, hashed: hashed, digests: digests, started: started, recorded: recorded)
    }

    private func sync(
        _ request: consuming SyncRequest,
        hashed: String,
        digests: [Int],
        started: ContinuousClock.Instant,
        recorded: @Sendable (String, Duration) -> Void
    ) async throws(AgentProtocolError) -> SyncResponse {
        var inFlight: InstanceID?
        defer {
            if let id = inFlight {
                let left = (syncsInFlight[id] ?? 1) - 1
                syncsInFlight[id] = left > 0 ? left : nil
            }
        }
        let id: InstanceID
        do {
            try Self.checkVersion(request.protocolVersion)
            let record = try state(authenticating: request, hashed: hashed)
            id = record.id
            // An agent whose request arrived is alive, however long its write waits for its
            // batch: under a heavy load of writes it must not be taken for lost meanwhile.
            lastSeen[id] = now()
            syncsInFlight[id, default: 0] += 1
            inFlight = id
            _ = try await write(background: true) { [request = copy request] state, now in
                let record = try state.authenticate(request, credentialHash: { _ in hashed })
                return self.mergedReports.withLock { merged in
                    state.recordSync(request, record: record, now: now, digests: digests, merged: &merged)
                }
            }
        } catch let error as AgentProtocolError {
            recorded(error.code.rawValue, ContinuousClock.now - started)
            throw error
        } catch {
            recorded(AgentProtocolError.Code.serverError.rawValue, ContinuousClock.now - started)
            throw AgentProtocolError(.serverError, "\(error)")
        }
        recorded("ok", ContinuousClock.now - started)
        recordUsage(request, instance: id)
        recordTargetHealth(request, instance: id)
        recordRuntimeHealth(request, instance: id)
        recordTargetTraffic(request, instance: id)
        let reported = request.tasks.map(\.taskArn)
        let (held, routes, plan, names) = (
            request.desiredVersion, request.routesVersion, request.loadBalancerVersion, request.discoveryVersion
        )
        let servesNames = request.servesNames ?? true
        _ = consume request
        lastSeen[id] = now()
        if desiredVersion(id) <= held {
            await waitForChange(of: id, beyond: held, timeout: settings.longPoll)
        }
        lastSeen[id] = now()
        do {
            let seal = secretSeal
            return try await read { state in
                try state.desiredState(
                    for: id,
                    reported: reported,
                    routesVersion: routes,
                    loadBalancerVersion: plan,
                    discoveryVersion: names,
                    servesNames: servesNames,
                    seal: seal
                )
            }
        } catch let error as AgentProtocolError {
            throw error
        } catch {
            throw AgentProtocolError(.serverError, "\(error)")
        }
    }

    /// The instance a sync names, when its credential (already hashed) is right.
    private func state(authenticating request: SyncRequest, hashed: String) throws(AgentProtocolError) -> InstanceRecord
    {
        do {
            return try inspect { try $0.authenticate(request, credentialHash: { _ in hashed }) }
        } catch let error as AgentProtocolError {
            throw error
        } catch {
            throw AgentProtocolError(.serverError, "\(error)")
        }
    }

    static func checkVersion(_ version: Int) throws(AgentProtocolError) {
        guard version == AgentProtocol.version else {
            throw AgentProtocolError(
                .versionMismatch,
                "the agent speaks protocol version \(version), this controller speaks \(AgentProtocol.version); run "
                    + "matching versions of wharf-agent and wharf-controller"
            )
        }
    }

    func desiredVersion(_ id: InstanceID) -> Int {
        inspect { $0.desiredVersion(of: id) }
    }

    /// Marks agents that have not synced within the grace period as disconnected.
    public func sweepLiveness() async {
        let cutoff = now().addingTimeInterval(-Double(settings.disconnectAfter.components.seconds))
        // An agent waiting for the answer to a sync is alive: it cannot sync again before the
        // answer comes, however long the controller takes to give it.
        var alive = lastSeen
        let moment = now()
        for (id, count) in syncsInFlight where count > 0 { alive[id] = moment }
        let seen = alive
        do {
            let lost = try await write(background: true) { state, _ in
                state.disconnect(lastSeen: seen, cutoff: cutoff)
            }
            for id in lost {
                // What it last reported is no longer known to be true.
                usage[id] = nil
                mergedReports.withLock { $0.forget(id) }
                logger.warning(
                    "agent disconnected: no sync within the grace period",
                    metadata: ["instance.id": "\(id)"]
                )
            }
        } catch {
            logger.error("could not record disconnected agents", metadata: ["error": "\(error)"])
        }
    }
}
