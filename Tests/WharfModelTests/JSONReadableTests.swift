import Foundation
import Testing
import WharfModel

/// The generated shapes read themselves (``JSONReadable``) as `ECSJSON.decoder()` decodes them:
/// the documents of ``JSONWritableTests``, and every truncation and one-byte change of a task
/// definition, read both ways, must give the same value or both fail.
@Suite("Generated shapes read what JSONDecoder reads")
struct JSONReadableTests {
    static func read<Shape: JSONReadable>(_ type: Shape.Type, _ bytes: [UInt8]) -> Shape? {
        bytes.withUnsafeBytes { bytes in try? Shape.read(json: bytes) }
    }

    static func decode<Shape: Decodable>(_ type: Shape.Type, _ bytes: [UInt8]) -> Shape? {
        try? ECSJSON.decoder().decode(Shape.self, from: Data(bytes))
    }

    static func same<Shape: JSONReadable & Decodable & Equatable>(_ type: Shape.Type, _ json: String) throws {
        let bytes = Array(json.utf8)
        let value = try #require(Self.read(Shape.self, bytes), "\(Shape.self)")
        #expect(value == Self.decode(Shape.self, bytes), "\(Shape.self)")
    }

    @Test("ECS task definitions, services, CloudWatch numbers, documents and blobs: the same values both ways")
    func sameDocuments() throws {
        try Self.same(ECS.DescribeTaskDefinitionResponse.self, JSONWritableTests.taskDefinition)
        try Self.same(ECS.DescribeServicesResponse.self, JSONWritableTests.services)
        try Self.same(CloudWatch.GetMetricDataOutput.self, JSONWritableTests.metrics)
        try Self.same(ECS.DeploymentLifecycleHook.self, JSONWritableTests.hook)
        try Self.same(SecretsManager.GetSecretValueResponse.self, JSONWritableTests.secret)
        try Self.same(ECS.ListTasksResponse.self, "{}")
        // Not vacuous: the values carry what the documents hold.
        let bytes = Array(JSONWritableTests.taskDefinition.utf8)
        let definition = try #require(Self.read(ECS.DescribeTaskDefinitionResponse.self, bytes)?.taskDefinition)
        #expect(definition.revision == 3)
        #expect(definition.registeredAt == Date(timeIntervalSince1970: 1_733_400_000.125))
        #expect(definition.containerDefinitions?.first?.portMappings?.first?.hostPort == 80)
        let secret = Self.read(SecretsManager.GetSecretValueResponse.self, Array(JSONWritableTests.secret.utf8))
        #expect(secret?.secretBinary == Data([0, 1, 2, 255]))
        let hook = Self.read(ECS.DeploymentLifecycleHook.self, Array(JSONWritableTests.hook.utf8))
        #expect(
            hook?.hookDetails
                == .object([
                    "n": .number(1), "f": .number(2.5), "b": .bool(true), "z": .null,
                    "s": .string(JSONWritableTests.unescaped),
                    "a": .array([.number(1), .string("two"), .array([]), .object([:])]),
                ])
        )
    }

    @Test("a member of the wrong type fails with its path, as an integer given a fraction does")
    func failures() {
        func failure(_ json: String) -> String? {
            Array(json.utf8).withUnsafeBytes { bytes in
                do throws(JSONReader.Failure) {
                    _ = try ECS.RegisterTaskDefinitionRequest.read(json: bytes)
                    return nil
                } catch {
                    return error.description
                }
            }
        }
        #expect(
            failure(#"{"family": "f", "containerDefinitions": [{"name": "a", "memory": "lots"}]}"#)
                == "containerDefinitions[0].memory: expected an integer, found a string at byte 65"
        )
        #expect(
            failure(#"{"family": "f", "containerDefinitions": [{"cpu": 2.5}]}"#)
                == "containerDefinitions[0].cpu: integer members take whole numbers from -2^63 to 2^63-1; "
                + "2.5 is not one"
        )
        #expect(failure(#"{"family": 5}"#) == "family: expected a string, found a number at byte 11")
        #expect(failure(#"{"family": "f"}"#) == nil)
    }

    @Test("every truncation and one-byte change of a task definition: the same outcome as JSONDecoder's")
    func mutations() {
        typealias Shape = ECS.DescribeTaskDefinitionResponse
        let bytes = Array(JSONWritableTests.taskDefinition.utf8)
        for end in 0..<bytes.count where !bytes[end...].allSatisfy({ $0 == 0x20 || $0 == 0x0A }) {
            let prefix = Array(bytes[..<end])
            #expect(Self.read(Shape.self, prefix) == nil, "cut at \(end)")
            #expect(Self.decode(Shape.self, prefix) == nil, "cut at \(end)")
        }
        let replacements = Array(#""}],:x1-.\n"#.utf8) + [0x20, 0x00, 0xFF]
        var failures = 0
        for position in bytes.indices {
            for replacement in replacements where replacement != bytes[position] {
                var mutated = bytes
                mutated[position] = replacement
                let read = Self.read(Shape.self, mutated)
                if read == nil { failures += 1 }
                #expect(read == Self.decode(Shape.self, mutated), "byte \(position) as \(replacement)")
            }
        }
        #expect(failures > bytes.count)
    }
}
