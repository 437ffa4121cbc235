import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// The most access keys a controller stores.
    static let accessKeyLimit = 100

    /// CreateAccessKey: stores a new key, its secret already sealed by the caller.
    /// - Parameters:
    ///   - id: the new key's ID.
    ///   - sealedSecret: the secret as ``SecretSealer`` sealed it.
    public func createAccessKey(
        _ request: WharfAdmin.CreateAccessKeyRequest,
        now: Date,
        id: String,
        sealedSecret: String
    ) throws(ECSError) -> Outcome<AccessKeyRecord> {
        guard credentials.accessKeys.count < Self.accessKeyLimit else {
            throw ECSError(
                .limitExceeded,
                "this controller already has \(Self.accessKeyLimit) access keys, its limit; revoke unused ones with wharf keys revoke"
            )
        }
        let record = AccessKeyRecord(
            accessKeyId: id,
            sealedSecret: sealedSecret,
            description: request.description,
            createDate: now
        )
        return Outcome(record, [.putAccessKey(record)])
    }

    /// ListAccessKeys: every stored key, oldest first, after the bootstrap key when there is one;
    /// never a secret.
    public func listAccessKeys(bootstrapKeyId: String?) -> WharfAdmin.ListAccessKeysResult {
        let bootstrap =
            bootstrapKeyId.map {
                [
                    WharfAdmin.AccessKey(
                        accessKeyId: $0,
                        description: "bootstrap pair (WHARF_ADMIN_ACCESS_KEY_ID)",
                        status: "Active",
                        source: "environment"
                    )
                ]
            } ?? []
        let stored = credentials.accessKeys.sorted { ($0.createDate, $0.accessKeyId) < ($1.createDate, $1.accessKeyId) }
            .map {
                WharfAdmin.AccessKey(
                    accessKeyId: $0.accessKeyId,
                    description: $0.description,
                    status: "Active",
                    createDate: $0.createDate,
                    source: "stored"
                )
            }
        return WharfAdmin.ListAccessKeysResult(accessKeys: bootstrap + stored)
    }

    /// DeleteAccessKey: revokes a stored key at once. The bootstrap key lives in the environment
    /// and cannot be revoked here; the last key cannot be revoked when no bootstrap key would remain.
    public func deleteAccessKey(
        _ request: WharfAdmin.DeleteAccessKeyRequest,
        bootstrapKeyId: String?
    ) throws(ECSError) -> Outcome<WharfAdmin.DeleteAccessKeyResult> {
        let id = request.accessKeyId ?? ""
        if id == bootstrapKeyId {
            throw ECSError(
                .invalidParameter,
                "AccessKeyId \(id) is the bootstrap pair from WHARF_ADMIN_ACCESS_KEY_ID; remove it from the controller's environment and restart it instead"
            )
        }
        guard credentials.accessKey(id) != nil else {
            throw ECSError(
                .noSuchEntity,
                "The Access Key with id \(id) cannot be found; wharf keys list shows the keys there are"
            )
        }
        guard credentials.accessKeys.count > 1 || bootstrapKeyId != nil else {
            throw ECSError(
                .invalidParameter,
                "AccessKeyId \(id) is the last access key: revoking it would lock everyone out; create another one first"
            )
        }
        return Outcome(WharfAdmin.DeleteAccessKeyResult(), [.deleteAccessKey(id: id)])
    }
}
