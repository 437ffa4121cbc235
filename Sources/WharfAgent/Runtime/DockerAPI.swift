/// Request and response bodies of the Docker Engine API (v1.41), as far as Wharf uses them.
///
/// Property names are Swift's; the coding keys are the engine's. Responses decode leniently: the
/// engine adds members between versions, and members Wharf does not need are not declared.
enum DockerAPI {
    /// `GET /version`.
    struct Version: Decodable, Sendable {
        var version: String
        var apiVersion: String
        var minAPIVersion: String?

        enum CodingKeys: String, CodingKey {
            case version = "Version", apiVersion = "ApiVersion", minAPIVersion = "MinAPIVersion"
        }
    }

    /// `GET /info`.
    struct SystemInfo: Decodable, Sendable {
        var cpus: Int
        var memoryBytes: Int
        var osType: String
        var architecture: String
        var cgroupDriver: String?
        var cgroupVersion: String?

        enum CodingKeys: String, CodingKey {
            case cpus = "NCPU", memoryBytes = "MemTotal", osType = "OSType", architecture = "Architecture"
            case cgroupDriver = "CgroupDriver", cgroupVersion = "CgroupVersion"
        }
    }

    /// The body of every error response.
    struct ErrorMessage: Decodable, Sendable {
        var message: String
    }

    /// One line of `POST /images/create`'s progress stream.
    struct ProgressMessage: Decodable, Sendable {
        struct Detail: Decodable, Sendable {
            var message: String?
        }

        var status: String?
        var error: String?
        var errorDetail: Detail?

        /// The failure this line reports, if any.
        var failure: String? { errorDetail?.message ?? error }
    }

    /// The `X-Registry-Auth` header's content, before base64url.
    struct AuthConfig: Encodable, Sendable {
        var username: String
        var password: String
        var serveraddress: String
    }

    /// The answer to `POST /containers/create`.
    struct CreateResponse: Decodable, Sendable {
        var id: String
        var warnings: [String]?

        enum CodingKeys: String, CodingKey {
            case id = "Id", warnings = "Warnings"
        }
    }

    /// `POST /volumes/create`.
    struct VolumeCreate: Encodable, Sendable, Equatable {
        var name: String
        var driver: String?
        var driverOptions: [String: String]
        var labels: [String: String]

        enum CodingKeys: String, CodingKey {
            case name = "Name", driver = "Driver", driverOptions = "DriverOpts", labels = "Labels"
        }
    }

    /// One element of `GET /containers/json`.
    struct ContainerSummary: Decodable, Sendable {
        var id: String

        enum CodingKeys: String, CodingKey {
            case id = "Id"
        }
    }

    /// One object of `GET /events`.
    struct Event: Decodable, Sendable {
        struct Actor: Decodable, Sendable {
            var id: String?
            var attributes: [String: String]?

            enum CodingKeys: String, CodingKey {
                case id = "ID", attributes = "Attributes"
            }
        }

        var type: String?
        var action: String?
        var actor: Actor?

        enum CodingKeys: String, CodingKey {
            case type = "Type", action = "Action", actor = "Actor"
        }
    }
}
