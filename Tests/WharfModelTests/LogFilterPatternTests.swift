import Testing
import WharfModel

@Suite("CloudWatch Logs filter patterns")
struct LogFilterPatternTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let pattern: String
        let matching: [String]
        let notMatching: [String]
        var testDescription: String { "'\(pattern)'" }
    }

    @Test("terms, quoted phrases, ?any-of and -excluded terms match as CloudWatch Logs matches them", arguments: [
        Case(pattern: "", matching: ["anything", ""], notMatching: []),
        Case(pattern: "ERROR", matching: ["an ERROR here", "ERROR"], notMatching: ["error", "Err"]),
        Case(pattern: "ERROR timeout", matching: ["ERROR: a timeout", "timeout ERROR"], notMatching: ["ERROR only", "timeout only"]),
        Case(pattern: "\"connection refused\"", matching: ["dial: connection refused"], notMatching: ["refused connection", "connection was refused"]),
        Case(pattern: "?ERROR ?WARN", matching: ["ERROR x", "WARN y"], notMatching: ["INFO z"]),
        Case(pattern: "request -health", matching: ["request /api"], notMatching: ["request /health"]),
        Case(pattern: "  spaced   out  ", matching: ["spaced and out"], notMatching: ["spaced"]),
    ])
    func matching(_ testCase: Case) throws {
        let pattern = try LogFilterPattern(testCase.pattern)
        for message in testCase.matching { #expect(pattern.matches(message), "\(message)") }
        for message in testCase.notMatching { #expect(!pattern.matches(message), "\(message)") }
    }

    @Test("the parts come apart as the store queries them")
    func parts() throws {
        let pattern = try LogFilterPattern(#"GET "500 Internal" ?api ?web -health"#)
        #expect(pattern.required == ["GET", "500 Internal"])
        #expect(pattern.anyOf == ["api", "web"])
        #expect(pattern.excluded == ["health"])
        #expect(try LogFilterPattern(nil).matchesAll)
    }

    @Test("JSON and space-delimited patterns and an open quote are refused, naming filterPattern")
    func refused() {
        for text in [#"{ $.level = "error" }"#, "[ip, user, status]", #""open phrase"#] {
            #expect { try LogFilterPattern(text) } throws: { error in
                let error = error as? ECSError
                return error?.code == .invalidParameter && error?.message.hasPrefix("filterPattern") == true
            }
        }
    }
}
