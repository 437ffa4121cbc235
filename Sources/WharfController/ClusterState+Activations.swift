import Foundation
import WharfModel
import WharfProtocol
import WharfState

extension ClusterState {
    /// CreateActivation: an activation for up to `RegistrationLimit` nodes (default 1) until
    /// `ExpirationDate` (default 24 hours, at most 30 days ahead). Only the code's hash is stored.
    /// - Parameters:
    ///   - id: the new activation's ID (a UUID).
    ///   - code: its code, returned this once.
    ///   - codeHash: hashes a code for storage.
    public func createActivation(
        _ request: SSM.CreateActivationRequest,
        now: Date,
        id: String,
        code: String,
        codeHash: (String) -> String
    ) throws(ECSError) -> Outcome<SSM.CreateActivationResult> {
        guard let role = request.iamRole, !role.isEmpty else {
            throw ECSError(
                .ssmInvalidParameters,
                "IamRole is required: the role the node's agent would assume (ecsAnywhereRole in ECS Anywhere); Wharf records it"
            )
        }
        if !(request.registrationMetadata ?? []).isEmpty {
            throw ECSError(
                .ssmInvalidParameters,
                "RegistrationMetadata is not supported by Wharf: AWS reserves it for its own use; give what a node "
                    + "should carry as tags, or as the agent's --attributes"
            )
        }
        let expiration = request.expirationDate ?? now.addingTimeInterval(24 * 3600)
        guard expiration > now else {
            throw ECSError(
                .ssmInvalidParameters,
                "ExpirationDate \(Self.iso(expiration)) is in the past; give a time within the next 30 days"
            )
        }
        guard expiration <= now.addingTimeInterval(30 * 24 * 3600 + 60) else {
            throw ECSError(.ssmInvalidParameters, "ExpirationDate \(Self.iso(expiration)) is more than 30 days ahead")
        }
        let record = ActivationRecord(
            id: id,
            description: request.description,
            defaultInstanceName: request.defaultInstanceName,
            iamRole: role,
            registrationLimit: request.registrationLimit ?? 1,
            expirationDate: expiration,
            createdDate: now,
            tags: (request.tags ?? []).map(Tag.init),
            codeHash: codeHash(code)
        )
        return Outcome(SSM.CreateActivationResult(activationId: id, activationCode: code), [.putActivation(record)])
    }

    /// DescribeActivations: every activation, filtered by ID, default instance name or IAM role,
    /// newest first, in pages of at most 50.
    public func describeActivations(
        _ request: SSM.DescribeActivationsRequest,
        now: Date
    ) throws(ECSError) -> SSM.DescribeActivationsResult {
        let size = request.maxResults ?? 50
        var matching = credentials.activations.sorted { ($0.createdDate, $0.id) > ($1.createdDate, $1.id) }
        for filter in request.filters ?? [] {
            let values = filter.filterValues ?? []
            switch filter.filterKey {
            case "ActivationIds": matching = matching.filter { values.contains($0.id) }
            case "DefaultInstanceName": matching = matching.filter { values.contains($0.defaultInstanceName ?? "") }
            case "IamRole": matching = matching.filter { values.contains($0.iamRole) }
            default:
                throw ECSError(
                    .invalidFilter,
                    "FilterKey \(filter.filterKey ?? "(none)") is not valid; use ActivationIds, DefaultInstanceName or IamRole"
                )
            }
        }
        let start: Int
        if let token = request.nextToken {
            guard let index = Int(token), (0...matching.count).contains(index) else {
                throw ECSError(
                    .invalidNextToken,
                    "NextToken is not valid; pass the NextToken of the previous page unchanged"
                )
            }
            start = index
        } else {
            start = 0
        }
        let end = min(start + size, matching.count)
        let page = matching[start..<end].map { Self.project($0, now: now) }
        return SSM.DescribeActivationsResult(
            activationList: Array(page),
            nextToken: end < matching.count ? String(end) : nil
        )
    }

    /// DeleteActivation: no more nodes can join with it; those that joined stay.
    public func deleteActivation(
        _ request: SSM.DeleteActivationRequest
    ) throws(ECSError) -> Outcome<SSM.DeleteActivationResult> {
        let id = request.activationId ?? ""
        guard Self.isActivationID(id) else {
            throw ECSError(
                .invalidActivationId,
                "ActivationId \"\(id)\" is not an activation ID (a UUID such as 0f8f4a6e-8f3e-4a1f-9d6a-1c2b3d4e5f60)"
            )
        }
        guard credentials.activation(id) != nil else {
            throw ECSError(.invalidActivation, "activation \(id) does not exist; it may have been deleted already")
        }
        return Outcome(SSM.DeleteActivationResult(), [.deleteActivation(id: id)])
    }

    /// Checks an agent's activation and counts the registration it makes.
    /// - Throws: `activationRefused`, saying whether the activation is unknown (or deleted),
    ///   expired, used up, or the code is wrong.
    func redeem(
        activation id: String,
        code: String,
        codeHash: (String) -> String,
        now: Date
    ) throws(AgentProtocolError) -> ActivationRecord {
        guard var record = credentials.activation(id) else {
            throw AgentProtocolError(
                .activationRefused,
                "activation \(id) does not exist or was deleted; create a new one with `aws ssm create-activation`"
            )
        }
        guard codeHash(code) == record.codeHash else {
            throw AgentProtocolError(
                .activationRefused,
                "the activation code does not match activation \(id); check --activation-code"
            )
        }
        if record.expirationDate <= now {
            throw AgentProtocolError(
                .activationRefused,
                "activation \(id) expired at \(Self.iso(record.expirationDate)); create a new one"
            )
        }
        guard record.registrationsCount < record.registrationLimit else {
            throw AgentProtocolError(
                .activationRefused,
                "activation \(id) has reached its registration limit of \(record.registrationLimit) node(s); create another or raise RegistrationLimit"
            )
        }
        record.registrationsCount += 1
        return record
    }

    static func isActivationID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.map(\.count) == [8, 4, 4, 4, 12]
            && text.allSatisfy { $0 == "-" || ($0.isHexDigit && !$0.isUppercase) }
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
