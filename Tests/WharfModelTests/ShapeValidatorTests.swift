import Foundation
import Testing
import WharfModel

@Suite("Constraints generated from botocore's model")
struct ShapeValidatorTests {
    @Test("an enum value outside the model is named with its path and the allowed values")
    func enumValue() {
        var request = webRequest()
        request.containerDefinitions?[0].portMappings?[0].protocol = "sctp"
        #expect {
            _ = try request.validated()
        } throws: { error in
            (error as? ECSError)?.message == "containerDefinitions[0].portMappings[0].protocol: \"sctp\" is not valid; allowed values: tcp, udp"
        }
    }

    @Test("a missing required member is named")
    func required() {
        let request = ECS.TagResourceRequest(resourceArn: "arn:aws:ecs:us-east-1:000000000000:cluster/a")
        #expect {
            _ = try request.validated()
        } throws: { error in
            (error as? ECSError)?.message == "tags: is required"
        }
    }

    @Test("numeric ranges and list lengths from the model")
    func ranges() {
        let strategy = ECS.CapacityProviderStrategyItem(capacityProvider: "a", weight: 5000)
        #expect(throws: ECSError.self) { try strategy.validated() }
        let tags = ECS.TagResourceRequest(resourceArn: "x", tags: (0..<51).map { ECS.Tag(key: "k\($0)", value: "") })
        #expect(throws: ECSError.self) { try tags.validated() }
    }

    @Test("a valid shape passes and round-trips through ECS JSON with epoch-second timestamps")
    func roundTrip() throws {
        let definition = ECS.TaskDefinition(family: "web", revision: 2, registeredAt: Date(timeIntervalSince1970: 1_700_000_000.5))
        let data = try ECSJSON.encoder().encode(definition)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"registeredAt\":1700000000.5"))
        #expect(!text.contains("null"))
        #expect(try ECSJSON.decoder().decode(ECS.TaskDefinition.self, from: data) == definition)
        _ = try definition.validated()
    }
}
