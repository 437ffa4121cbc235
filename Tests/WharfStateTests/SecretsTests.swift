import Foundation
import Testing
import WharfState

@Suite("Secrets: the Secrets Manager aggregate and its staging labels")
struct SecretsTests {
    static func version(_ id: String, _ stages: [String] = [SecretRecord.current]) -> SecretVersion {
        SecretVersion(id: id, sealedValue: "sealed-\(id)", isBinary: false, stages: stages, createdAt: Sample.time)
    }

    @Test("AWSCURRENT moves to each new version and the one it leaves becomes AWSPREVIOUS")
    func stages() {
        var record = SecretRecord(name: "s", arn: "arn:s-abcdef", createdAt: Sample.time, changedAt: Sample.time)
        record.add(Self.version("a"))
        record.add(Self.version("b"))
        record.add(Self.version("c"))
        #expect(record.version(stage: SecretRecord.current)?.id == "c")
        #expect(record.version(stage: SecretRecord.previous)?.id == "b")
        #expect(record.version(id: "a")?.stages == [], "the oldest is deprecated")
        record.add(Self.version("d", ["AWSPENDING"]))
        #expect(record.version(stage: SecretRecord.current)?.id == "c", "another stage leaves AWSCURRENT where it is")
        record.move(stages: [SecretRecord.current], to: "d")
        #expect(record.version(id: "d")?.stages == ["AWSPENDING", SecretRecord.current])
        #expect(record.version(stage: SecretRecord.previous)?.id == "c")
    }

    @Test("versions without a label beyond a hundred go, oldest first")
    func deprecatedLimit() {
        var record = SecretRecord(name: "s", arn: "arn:s-abcdef", createdAt: Sample.time, changedAt: Sample.time)
        for number in 0..<(SecretRecord.deprecatedVersionLimit + 5) { record.add(Self.version("v\(number)")) }
        #expect(record.versions.count == SecretRecord.deprecatedVersionLimit + 2)
        #expect(record.version(id: "v0") == nil && record.version(id: "v2") == nil && record.version(id: "v3") != nil)
    }

    @Test("a secret is found by name and by ARN, and forgotten by both")
    func lookup() {
        var state = Sample.state()
        state.apply(
            .putSecret(SecretRecord(name: "s", arn: "arn:s-abcdef", createdAt: Sample.time, changedAt: Sample.time))
        )
        #expect(state.secrets["s"]?.arn == "arn:s-abcdef")
        #expect(state.secrets.secret(arn: "arn:s-abcdef")?.name == "s")
        state.apply(.deleteSecret(name: "s"))
        #expect(state.secrets["s"] == nil && state.secrets.secret(arn: "arn:s-abcdef") == nil)
    }
}
