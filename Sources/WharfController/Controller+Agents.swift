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
        do {
            try Self.checkVersion(request.protocolVersion)
            _ = try await write { state, now in
                let record = try state.authenticate(request, credentialHash: Self.hash)
                return state.recordSync(request, record: record, now: now)
            }
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
            let lost = try await write { state, _ in state.disconnect(lastSeen: lastSeen, cutoff: cutoff) }
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
