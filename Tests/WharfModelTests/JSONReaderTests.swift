import Foundation
import Testing
import WharfModel

/// ``JSONReader`` accepts what `JSONDecoder` accepts and reads the same values: each document
/// below is read both ways, and both must fail, or both succeed with the same value.
@Suite("JSONReader reads what JSONDecoder reads")
struct JSONReaderTests {
    /// What reading `document` as an array of values by `element` gives: the values, or nil.
    static func read<Value>(
        _ document: [UInt8],
        _ element: (inout JSONReader) throws(JSONReader.Failure) -> Value
    ) -> [Value]? {
        document.withUnsafeBytes { bytes in
            try? JSONReader.read(bytes) { reader throws(JSONReader.Failure) in try reader.elements(element) }
        }
    }

    static func decoded<Value: Decodable>(_ document: [UInt8], as type: Value.Type) -> [Value]? {
        try? JSONDecoder().decode([Value].self, from: Data(document))
    }

    static let stringDocuments: [String] = [
        #"["plain", "", "é ☃ 😀"]"#,
        #"["quote \" backslash \\ slash \/ \b \f \n \r \t"]"#,
        #"["\u0041\u00e9\u2603\ud83d\ude00"]"#,
        #"["\u0000 nul"]"#,
        #"["lone high \ud83d"]"#,
        #"["lone high then text \ud83dx"]"#,
        #"["lone low \ude00"]"#,
        #"["high then high \ud83d\ud83d"]"#,
        #"["bad escape \x"]"#,
        #"["short escape \u12"]"#,
        #"["bad hex \u12g4"]"#,
        "[\"raw tab \t\"]",
        "[\"raw newline \n\"]",
        #"["not closed]"#,
        #"[ "a" , "b" ]"#,
        #"["a",]"#,
        #"["a" "b"]"#,
        #"[1]"#,
        #"[null]"#,
    ]

    @Test("strings", arguments: stringDocuments)
    func strings(_ document: String) {
        let bytes = Array(document.utf8)
        let reader = Self.read(bytes) { reader throws(JSONReader.Failure) in try reader.string() }
        #expect(reader == Self.decoded(bytes, as: String.self), "\(document)")
    }

    @Test("bytes that are not UTF-8 fail in a string, as in JSONDecoder")
    func invalidUTF8() {
        for invalid: [UInt8] in [[0xFF], [0xC3], [0xE2, 0x98], [0xED, 0xA0, 0x80], [0xC0, 0xAF]] {
            let bytes = Array(#"["a"#.utf8) + invalid + Array(#"b"]"#.utf8)
            let reader = Self.read(bytes) { reader throws(JSONReader.Failure) in try reader.string() }
            #expect(reader == nil, "\(invalid)")
            #expect(Self.decoded(bytes, as: String.self) == nil, "\(invalid)")
        }
    }

    static let numberDocuments: [String] = [
        "[0]", "[-0]", "[7]", "[-7]", "[1e3]", "[1E+3]", "[2.0]", "[1.5]", "[-1.5e-3]",
        "[9223372036854775807]", "[-9223372036854775808]", "[9223372036854775808]", "[-9223372036854775809]",
        "[123456789012345678]", "[1234567890123456789]", "[12345678901234567890123]",
        "[0.1]", "[0.30000000000000004]", "[1733500000.1234567]", "[4.9e-324]", "[2.2250738585072014e-308]",
        "[1.7976931348623157e308]", "[1e400]", "[-1e400]", "[1e-400]", "[9007199254740993]", "[1e22]", "[1e23]",
        "[0.000000000000000000000000123456]", "[123456789012345678901234567890e-10]",
        "[01]", "[-]", "[1.]", "[.5]", "[1e]", "[1e+]", "[+1]", "[0x10]", "[1 2]", "[Infinity]", "[NaN]", "[- 1]",
        #"["1"]"#, "[true]",
    ]

    @Test("numbers as doubles", arguments: numberDocuments)
    func doubles(_ document: String) {
        let bytes = Array(document.utf8)
        let reader = Self.read(bytes) { reader throws(JSONReader.Failure) in try reader.double() }
        let decoder = Self.decoded(bytes, as: Double.self)
        #expect(reader?.map(\.bitPattern) == decoder?.map(\.bitPattern), "\(document)")
    }

    @Test("numbers as integers", arguments: numberDocuments)
    func integers(_ document: String) {
        let bytes = Array(document.utf8)
        let reader = Self.read(bytes) { reader throws(JSONReader.Failure) in try reader.integer() }
        #expect(reader == Self.decoded(bytes, as: Int.self), "\(document)")
    }

    @Test("booleans and null")
    func literals() {
        for document in ["[true, false]", "[tru]", "[nul]", "[True]", "[true false]"] {
            let bytes = Array(document.utf8)
            let reader = Self.read(bytes) { reader throws(JSONReader.Failure) in try reader.boolean() }
            #expect(reader == Self.decoded(bytes, as: Bool.self), "\(document)")
        }
        let optionals = Self.read(Array("[null, 3, null]".utf8)) { reader throws(JSONReader.Failure) in
            try reader.null() ? nil : reader.integer()
        }
        #expect(optionals == [nil, 3, nil])
    }

    @Test("whitespace around the document and its values; nothing else after it")
    func documentBounds() {
        let read = { (text: String) in
            Self.read(Array(text.utf8)) { reader throws(JSONReader.Failure) in try reader.integer() }
        }
        #expect(read(" \n\t[ 1 ,\r\n2 ] \n") == [1, 2])
        #expect(read("[1] x") == nil)
        #expect(read("[1]]") == nil)
        #expect(read("") == nil)
        #expect(read("[1") == nil)
    }

    @Test("unknown members of every kind are skipped; an escaped name still matches")
    func skipping() throws {
        let text = #"""
            {"skip": {"a": [1, {"b": null}, "s\"}"], "c": {}}, "n\u0061me": "x", "t": true, "f": false,
             "z": null, "e": [], "num": -1.5e3, "name2": "y"}
            """#
        let name = try Array(text.utf8).withUnsafeBytes { bytes throws(JSONReader.Failure) in
            try JSONReader.read(bytes) { reader throws(JSONReader.Failure) in
                var name: String?
                try reader.object { reader, key throws(JSONReader.Failure) in
                    if key == "name" { name = try reader.string() } else { try reader.skip() }
                }
                return name
            }
        }
        #expect(name == "x")
    }

    @Test("a failure says where it is")
    func failurePath() {
        let text = #"{"a": [{"b": 1}, {"b": "x"}]}"#
        var failure: JSONReader.Failure?
        Array(text.utf8).withUnsafeBytes { bytes in
            do throws(JSONReader.Failure) {
                try JSONReader.read(bytes) { reader throws(JSONReader.Failure) in
                    try reader.object { reader, _ throws(JSONReader.Failure) in
                        _ = try reader.elements { reader throws(JSONReader.Failure) in
                            try reader.object { reader, _ throws(JSONReader.Failure) in _ = try reader.integer() }
                        }
                    }
                }
            } catch {
                failure = error
            }
        }
        #expect(failure?.path == "a[1].b")
        #expect(failure?.description == "a[1].b: expected an integer, found a string at byte 23")
    }

    @Test("deep nesting fails with a message, not a crash")
    func depth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let skipped: Void? = Array(deep.utf8).withUnsafeBytes { bytes in
            try? JSONReader.read(bytes) { reader throws(JSONReader.Failure) in try reader.skip() }
        }
        #expect(skipped == nil)
        let shallow = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let read: Void? = Array(shallow.utf8).withUnsafeBytes { bytes in
            try? JSONReader.read(bytes) { reader throws(JSONReader.Failure) in try reader.skip() }
        }
        #expect(read != nil)
    }
}
