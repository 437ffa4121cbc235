import Foundation
import WharfModel
import WharfProtocol
import WharfState

/// Who may register: the checks every registration passes before it writes anything.
extension ClusterState {
    /// The refusal of a new node without an activation where registration is not open.
    static let activationRequired = AgentProtocolError(
        .activationRefused,
        "this controller joins new nodes with an activation: create one with `aws ssm create-activation "
            + "--iam-role ecsAnywhereRole --registration-limit 1 --endpoint-url URL` (or `wharf activation "
            + "create`) and start the agent with --activation-id and --activation-code"
    )

    /// Whether `request` may register at all, looked at before any write: the credential of the
    /// instance it names, an activation that can still be redeemed, or open registration.
    /// - Throws: what `registerAgent` would throw for the same reason.
    public func authorizeRegistration(
        _ request: RegisterRequest,
        credentialHash: (String) -> String,
        openRegistration: Bool,
        now: Date
    ) throws(AgentProtocolError) {
        if let arn = request.containerInstanceArn, request.credential == nil, let activationId = request.activationId {
            _ = try rejoin(arn, request, activationId, codeHash: credentialHash, now: now)
        } else if let arn = request.containerInstanceArn, let id = InstanceID(arnSuffix: arn),
            let existing = instances[id]
        {
            guard let given = request.credential, existing.hasAgent, credentialHash(given) == existing.credentialHash
            else {
                throw AgentProtocolError(.unauthorized, "the credential does not match container instance \(arn)")
            }
        } else if let activationId = request.activationId {
            _ = try redeem(request, activationId, codeHash: credentialHash, now: now)
        } else if !openRegistration {
            throw Self.activationRequired
        }
    }

    /// The activation `request` joins with, redeemed once more.
    func redeem(
        _ request: RegisterRequest,
        _ activationId: String,
        codeHash: (String) -> String,
        now: Date
    ) throws(AgentProtocolError) -> ActivationRecord {
        guard let code = request.activationCode else {
            throw AgentProtocolError(
                .activationRefused,
                "activation \(activationId) needs its code: give --activation-code as `aws ssm create-activation` "
                    + "printed it"
            )
        }
        return try redeem(activation: activationId, code: code, codeHash: codeHash, now: now)
    }

    /// The registered instance a node that lost its identity asks to join as again, and the
    /// activation that vouches for it, redeemed once more. The activation must have been made for
    /// that instance (its `DefaultInstanceName` is the instance's ID or ARN): any other would let
    /// whoever holds an activation take over a node's tasks, and their secrets.
    func rejoin(
        _ arn: String,
        _ request: RegisterRequest,
        _ activationId: String,
        codeHash: (String) -> String,
        now: Date
    ) throws(AgentProtocolError) -> (InstanceRecord, ActivationRecord) {
        guard let id = InstanceID(arnSuffix: arn), let existing = instances[id], arn == self.arn(of: existing) else {
            throw AgentProtocolError(
                .invalidRequest,
                "container instance \(arn) is not registered with this controller; start the agent without "
                    + "--container-instance to join as a new instance"
            )
        }
        guard existing.status != .inactive else {
            throw AgentProtocolError(
                .deregistered,
                "container instance \(arn) was deregistered; start the agent without --container-instance to join as "
                    + "a new instance"
            )
        }
        let activation = try redeem(request, activationId, codeHash: codeHash, now: now)
        let instanceID = arn.split(separator: "/").last.map(String.init) ?? arn
        guard let named = activation.defaultInstanceName, named == arn || named == instanceID else {
            throw AgentProtocolError(
                .activationRefused,
                "activation \(activationId) was not made for container instance \(arn); create one for it with "
                    + "`aws ssm create-activation --iam-role ecsAnywhereRole --registration-limit 1 "
                    + "--default-instance-name \(instanceID)`"
            )
        }
        return (existing, activation)
    }
}
