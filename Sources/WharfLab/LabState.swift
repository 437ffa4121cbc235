import Foundation

/// What `wharf lab up` records in `lab.json`, so `down`, `load` and `env` find the lab again.
public struct LabState: Codable, Equatable, Sendable {
    public var layout: LabLayout
    /// The administrator's key pair the controller was started with.
    public var accessKeyID: String
    public var secretAccessKey: String
    public var region: String
    /// Process IDs of what runs: the controller, each node's engine and agent (0: not started).
    public var controllerPID: Int32 = 0
    public var enginePIDs: [Int32] = []
    public var agentPIDs: [Int32] = []

    public init(layout: LabLayout, accessKeyID: String, secretAccessKey: String, region: String = "us-east-1") {
        self.layout = layout
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
    }

    /// The lines that point the AWS CLI, the SDKs and `wharf` at the lab, for a shell to `eval`.
    public var environment: String {
        """
        export AWS_ACCESS_KEY_ID=\(accessKeyID)
        export AWS_SECRET_ACCESS_KEY=\(secretAccessKey)
        export AWS_DEFAULT_REGION=\(region)
        export AWS_CA_BUNDLE=\(layout.caFile)
        export AWS_ENDPOINT_URL=\(layout.endpoint)
        export WHARF_ENDPOINT=\(layout.endpoint)
        export AWS_DISABLE_HOST_PREFIX_INJECTION=true

        """
    }

    /// Reads the state of the lab under `root`.
    public static func load(root: String) throws(LabError) -> LabState {
        let path = "\(root)/lab.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LabError("no lab in \(root) (no \(path)); start one with wharf lab up")
        }
        do {
            return try JSONDecoder().decode(LabState.self, from: data)
        } catch {
            throw LabError("\(path) cannot be read: \(error)")
        }
    }

    /// Writes it to the layout's state file (mode 0600: it holds the secret key).
    func save() throws(LabError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(self)
            guard
                FileManager.default.createFile(
                    atPath: layout.stateFile,
                    contents: data,
                    attributes: [.posixPermissions: 0o600]
                )
            else { throw LabError("the file cannot be created") }
        } catch {
            throw LabError("cannot write \(layout.stateFile): \(error)")
        }
    }
}
