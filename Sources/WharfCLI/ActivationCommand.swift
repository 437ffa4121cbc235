import ArgumentParser
import Foundation
import WharfModel

/// `wharf activation`: create, list and delete the activations nodes join with, for people
/// without the AWS CLI (`aws ssm create-activation` does the same).
struct ActivationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activation",
        abstract: "Create, list and delete the activations that nodes join with.",
        subcommands: [ActivationCreateCommand.self, ActivationListCommand.self, ActivationDeleteCommand.self]
    )
}

/// `wharf activation create`.
struct ActivationCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an activation and print its ID and code (shown once).")

    @OptionGroup var connection: ControllerConnection

    @Option(help: "How many nodes may join with it (1 to 1000).")
    var registrationLimit: Int = 1

    @Option(help: "Hours until it expires (at most 720).")
    var expiresInHours: Int = 24

    @Option(help: "The IAM role it records, as ECS Anywhere's activations name one.")
    var iamRole: String = "ecsAnywhereRole"

    @Option(help: "A description.")
    var description: String?

    func run() async throws {
        guard (1...720).contains(expiresInHours) else { throw ValidationError("--expires-in-hours \(expiresInHours) must be 1 to 720") }
        var request = SSM.CreateActivationRequest(description: description, iamRole: iamRole, registrationLimit: registrationLimit,
                                                  expirationDate: Date().addingTimeInterval(Double(expiresInHours) * 3600))
        request.tags = nil
        let result: SSM.CreateActivationResult = try await connection.call("CreateActivation", request)
        let id = result.activationId ?? ""
        let code = result.activationCode ?? ""
        if connection.output == "json" {
            print(String(decoding: try ECSJSON.encoder().encode(result), as: UTF8.self))
            return
        }
        print("""
        ActivationId:   \(id)
        ActivationCode: \(code)   (shown only this once)

        Join a node with:
          wharf-agent --controller \(connection.resolvedEndpoint) --activation-id \(id) --activation-code \(code)
        """)
    }
}

/// `wharf activation list`.
struct ActivationListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the activations: how many nodes joined, and until when.")

    @OptionGroup var connection: ControllerConnection

    func run() async throws {
        var activations: [SSM.Activation] = []
        var token: String?
        repeat {
            let page: SSM.DescribeActivationsResult = try await connection.call("DescribeActivations", SSM.DescribeActivationsRequest(nextToken: token))
            activations += page.activationList ?? []
            token = page.nextToken
        } while token != nil
        if connection.output == "json" {
            print(String(decoding: try ECSJSON.encoder().encode(["ActivationList": activations]), as: UTF8.self))
            return
        }
        let rows = activations.map { activation in
            [activation.activationId ?? "", "\(activation.registrationsCount ?? 0)/\(activation.registrationLimit ?? 0)",
             activation.expirationDate.map { $0.formatted(.iso8601) } ?? "", activation.expired == true ? "yes" : "no", activation.description ?? ""]
        }
        print(Table(header: ["ID", "JOINED", "EXPIRES", "EXPIRED", "DESCRIPTION"], rows: rows).rendered)
    }
}

/// `wharf activation delete`.
struct ActivationDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an activation: no more nodes can join with it.")

    @OptionGroup var connection: ControllerConnection

    @Argument(help: "The activation ID.")
    var id: String

    func run() async throws {
        let _: SSM.DeleteActivationResult = try await connection.call("DeleteActivation", SSM.DeleteActivationRequest(activationId: id))
        print("deleted activation \(id)")
    }
}
