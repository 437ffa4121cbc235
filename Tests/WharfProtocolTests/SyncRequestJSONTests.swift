import Foundation
import Testing
import WharfModel
import WharfProtocol

/// The controller reads agents' sync reports with ``SyncRequest/read(json:)``, not `JSONDecoder`:
/// for every report, and every broken one, both must give the same value or both fail.
@Suite("Sync reports read without Codable")
struct SyncRequestJSONTests {
    /// A small deterministic generator (SplitMix64), so a failing report can be made again.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let texts = [
        "", "RUNNING", "arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef0123456789abcdef",
        #"quote " backslash \ slash / newline \n tab \t"#, "bell \u{07} del \u{7F} é ☃ 😀 \u{2028}",
        "CannotPullContainerError: pull access denied for x, repository does not exist",
    ]

    static func text(_ random: inout Generator) -> String { texts.randomElement(using: &random)! }
    static func maybe<Value>(_ random: inout Generator, _ make: (inout Generator) -> Value) -> Value? {
        Bool.random(using: &random) ? make(&random) : nil
    }
    static func number(_ random: inout Generator) -> Double {
        [0, 1.5, -2.25, 1_733_500_000.1234567, 0.1, 1e-7, 123_456.789, Double.random(in: 0..<1e10, using: &random)]
            .randomElement(using: &random)!
    }

    static func report(_ random: inout Generator) -> SyncRequest {
        let tasks = (0..<Int.random(in: 0...6, using: &random)).map { _ in
            TaskReport(
                taskArn: text(&random),
                lastStatus: text(&random),
                containers: (0..<Int.random(in: 0...3, using: &random)).map { _ in
                    ContainerReport(
                        name: text(&random),
                        runtimeId: maybe(&random, text),
                        lastStatus: text(&random),
                        exitCode: maybe(&random) { Int.random(in: -255...Int.max, using: &$0) },
                        reason: maybe(&random, text),
                        networkBindings: (0..<Int.random(in: 0...2, using: &random)).map { _ in
                            ECS.NetworkBinding(
                                bindIP: maybe(&random, text),
                                containerPort: maybe(&random) { Int.random(in: 0...65535, using: &$0) },
                                hostPort: maybe(&random) { Int.random(in: 0...65535, using: &$0) },
                                protocol: maybe(&random, text),
                                containerPortRange: maybe(&random, text),
                                hostPortRange: maybe(&random, text)
                            )
                        },
                        healthStatus: maybe(&random, text),
                        usage: maybe(&random) {
                            ContainerUsage(cpuUnits: number(&$0), memoryMiB: number(&$0), sampledAt: number(&$0))
                        },
                        gpuIds: maybe(&random) { random in
                            (0..<Int.random(in: 0...2, using: &random)).map { _ in text(&random) }
                        }
                    )
                },
                pullStartedAt: maybe(&random, number),
                pullStoppedAt: maybe(&random, number),
                startedAt: maybe(&random, number),
                executionStoppedAt: maybe(&random, number),
                stopCode: maybe(&random, text),
                stoppedReason: maybe(&random, text),
                healthStatus: maybe(&random, text),
                macAddress: maybe(&random, text)
            )
        }
        return SyncRequest(
            protocolVersion: Int.random(in: 0...3, using: &random),
            containerInstanceArn: text(&random),
            credential: text(&random),
            desiredVersion: Int.random(in: Int.min...Int.max, using: &random),
            tasks: tasks,
            routesVersion: maybe(&random, text),
            loadBalancerVersion: maybe(&random, text),
            targetHealth: maybe(&random) { random in
                (0..<Int.random(in: 0...2, using: &random)).map { _ in
                    TargetHealthReport(
                        targetGroupId: text(&random),
                        id: text(&random),
                        port: Int.random(in: 1...65535, using: &random),
                        state: text(&random),
                        detail: maybe(&random, text)
                    )
                }
            },
            targetTraffic: maybe(&random) { random in
                (0..<Int.random(in: 0...2, using: &random)).map { _ in
                    TargetGroupTraffic(
                        targetGroupId: text(&random),
                        requests: Int.random(in: 0...1_000_000, using: &random),
                        responseTimeMs: maybe(&random, number)
                    )
                }
            },
            discoveryVersion: maybe(&random, text),
            servesNames: maybe(&random) { Bool.random(using: &$0) },
            runtimeHealth: maybe(&random) {
                RuntimeHealth(status: text(&$0), since: Date(timeIntervalSince1970: number(&$0)))
            }
        )
    }

    static func read(_ bytes: [UInt8]) -> Result<SyncRequest, JSONReader.Failure> {
        bytes.withUnsafeBytes { bytes in
            Result { () throws(JSONReader.Failure) in try SyncRequest.read(json: bytes) }
        }
    }

    static func decode(_ bytes: [UInt8]) -> SyncRequest? {
        try? ECSJSON.decoder().decode(SyncRequest.self, from: Data(bytes))
    }

    @Test("500 random reports, written compact and pretty, read as JSONDecoder reads them")
    func randomReports() throws {
        var random = Generator(state: 13)
        let pretty = ECSJSON.encoder()
        pretty.outputFormatting.insert(.prettyPrinted)
        for index in 0..<500 {
            let report = Self.report(&random)
            for encoder in [ECSJSON.encoder(), pretty] {
                let bytes = Array(try encoder.encode(report))
                let read = try Self.read(bytes).get()
                #expect(read == report, "report \(index)")
                #expect(read == Self.decode(bytes), "report \(index)")
            }
        }
    }

    static func canonical(_ data: Data) throws -> String {
        let parsed = try JSONSerialization.jsonObject(with: data)
        let sorted = try JSONSerialization.data(withJSONObject: parsed, options: [.sortedKeys])
        return String(decoding: sorted, as: UTF8.self)
    }

    @Test("the agent writes 500 random reports as JSONEncoder writes them, and they read back whole")
    func writtenReports() throws {
        var random = Generator(state: 31)
        var members = 0
        for index in 0..<500 {
            let report = Self.report(&random)
            let written = try #require(report.jsonData(), "report \(index)")
            #expect(try Self.canonical(written) == Self.canonical(ECSJSON.encoder().encode(report)), "report \(index)")
            #expect(try Self.read(Array(written)).get() == report, "report \(index)")
            members += report.tasks.count
        }
        #expect(members > 1_000)
    }

    /// A report with one of each member, written by hand with members JSONEncoder never writes.
    static let handWritten = #"""
        {"protocolVersion": 1, "containerInstanceArn": "arn:aws:ecs:us-east-1:0:container-instance/default/i",
         "credential": "c", "desiredVersion": 42, "future": {"nested": [1, 2, {"x": null}]},
         "tasks": [{"taskArn": "t1", "lastStatus": "RUNNING", "startedAt": 1733500000.5, "stopCode": null,
                    "containers": [{"name": "app", "lastStatus": "RUNNING", "runtimeId": "abc", "exitCode": null,
                                    "networkBindings": [{"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 32768,
                                                         "protocol": "tcp", "extra": true}],
                                    "usage": {"cpuUnits": 12.5, "memoryMiB": 64, "sampledAt": 1733500000}},
                                   {"name": "side\u0063ar", "lastStatus": "STOPPED", "exitCode": 137,
                                    "reason": "OutOfMemoryError", "networkBindings": [], "gpuIds": ["0", "1"]}]},
                   {"taskArn": "t2", "lastStatus": "STOPPED", "containers": [], "macAddress": "02:42:ac:11:00:02"}],
         "routesVersion": "r1", "loadBalancerVersion": null, "discoveryVersion": "d", "servesNames": false,
         "targetHealth": [{"targetGroupId": "g", "id": "10.0.0.2", "port": 80, "state": "healthy", "detail": null}],
         "targetTraffic": [{"targetGroupId": "g", "requests": 1000, "responseTimeMs": 3.5}],
         "runtimeHealth": {"status": "OK", "since": 1733500000.25}}
        """#

    @Test("null members, unknown members and escaped names are read as JSONDecoder reads them")
    func handWrittenReport() throws {
        let bytes = Array(Self.handWritten.utf8)
        let read = try Self.read(bytes).get()
        #expect(read == Self.decode(bytes))
        #expect(read.tasks.map(\.containers.count) == [2, 0])
        #expect(read.tasks.first?.containers.last?.name == "sidecar")
        #expect(read.tasks.first?.containers.first?.networkBindings.first?.hostPort == 32768)
        #expect(read.runtimeHealth?.since == Date(timeIntervalSince1970: 1_733_500_000.25))
        #expect(read.loadBalancerVersion == nil)
    }

    @Test("every truncation of a report fails both ways")
    func truncations() {
        let bytes = Array(Self.handWritten.utf8)
        for end in 0..<bytes.count where !bytes[end...].allSatisfy({ $0 == 0x20 || $0 == 0x0A }) {
            let prefix = Array(bytes[..<end])
            let read = try? Self.read(prefix).get()
            #expect(read == nil, "cut at \(end)")
            #expect(Self.decode(prefix) == nil, "cut at \(end)")
        }
    }

    /// ``handWritten`` without its unknown members.
    static let knownMembers = handWritten.replacing(#" "future": {"nested": [1, 2, {"x": null}]},"#, with: "")
        .replacing(#", "extra": true"#, with: "")

    @Test("a byte changed anywhere in a report's known members: the same outcome as JSONDecoder's")
    func mutations() {
        let bytes = Array(Self.knownMembers.utf8)
        #expect(bytes.count < Self.handWritten.utf8.count - 50)
        let replacements: [UInt8] = Array(#"" } ] , : x 1 - . \ n"#.utf8).filter { $0 != 0x20 } + [0x20, 0x00, 0xFF]
        var failures = 0
        for position in bytes.indices {
            for replacement in replacements where replacement != bytes[position] {
                var mutated = bytes
                mutated[position] = replacement
                let read = try? Self.read(mutated).get()
                if read == nil { failures += 1 }
                #expect(read == Self.decode(mutated), "byte \(position) as \(replacement)")
            }
        }
        #expect(failures > bytes.count)
    }

    /// `JSONDecoder` only scans over the members it does not know; the reader checks them too.
    @Test("an unknown member that is not JSON fails, where JSONDecoder passes over it")
    func unknownMembersAreChecked() {
        for unknown in [#"[-, 2]"#, #"{"\x": 1}"#, "\"nul \u{0} inside\"", #"[1, 2"#] {
            let text = Self.handWritten.replacing(#"{"nested": [1, 2, {"x": null}]}"#, with: unknown)
            #expect(text != Self.handWritten)
            let read = try? Self.read(Array(text.utf8)).get()
            #expect(read == nil, "\(unknown)")
        }
    }

    @Test("a failure names the member and where it is")
    func failureNamesTheMember() {
        let missing =
            #"{"protocolVersion": 1, "containerInstanceArn": "a", "credential": "c","#
            + #" "desiredVersion": 1, "tasks": [{"taskArn": "t", "lastStatus": "RUNNING", "containers": []},"#
            + #" {"taskArn": "t", "lastStatus": "RUNNING", "containers": [{"name": "x", "networkBindings": []}]}]}"#
        let missingFailure = Self.read(Array(missing.utf8)).failure
        #expect(missingFailure?.description == "tasks[1].containers[0]: the member lastStatus is missing")
        let wrongType =
            #"{"protocolVersion": "1", "containerInstanceArn": "a", "credential": "c","#
            + #" "desiredVersion": 1, "tasks": []}"#
        let wrongTypeFailure = Self.read(Array(wrongType.utf8)).failure
        #expect(wrongTypeFailure?.description == "protocolVersion: expected an integer, found a string at byte 20")
        #expect(Self.read(Array("[]".utf8)).failure?.description == "expected an object, found an array at byte 0")
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
