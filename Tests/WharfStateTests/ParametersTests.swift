import Foundation
import Testing
import WharfState

@Suite("Parameters: the Parameter Store aggregate")
struct ParametersTests {
    static func parameter(_ name: String, versions: Int = 1) -> ParameterRecord {
        ParameterRecord(
            name: name,
            versions: (1...versions).map {
                ParameterVersion(version: $0, type: .string, value: "v\($0)", modifiedAt: Sample.time, modifiedBy: "me")
            }
        )
    }

    @Test("names stay in order as parameters come and go; a prefix finds its names without a scan")
    func order() {
        var state = Sample.state()
        for name in ["/b/x", "/a/y", "/b/a", "plain", "/b/z/deep", "/ba"] {
            state.apply(.putParameter(Self.parameter(name)))
        }
        #expect(state.parameters.names == ["/a/y", "/b/a", "/b/x", "/b/z/deep", "/ba", "plain"])
        #expect(Array(state.parameters.names(withPrefix: "/b/")) == ["/b/a", "/b/x", "/b/z/deep"])
        #expect(state.parameters.names(withPrefix: "/c/").isEmpty)
        state.apply(.deleteParameter(name: "/b/x"))
        state.apply(.putParameter(Self.parameter("/b/a", versions: 2)))
        #expect(Array(state.parameters.names(withPrefix: "/b/")) == ["/b/a", "/b/z/deep"])
        #expect(state.parameters["/b/a"]?.current?.version == 2)
        #expect(state.parameters.count == 5)
    }

    @Test("a version is found by number and by label; the current one is the newest")
    func versions() {
        var record = Self.parameter("p", versions: 3)
        record.versions[0].labels = ["old"]
        #expect(record.current?.version == 3)
        #expect(record.version(2)?.value == "v2")
        #expect(record.version(labelled: "old")?.version == 1)
        #expect(record.version(labelled: "none") == nil && record.version(9) == nil)
    }
}
