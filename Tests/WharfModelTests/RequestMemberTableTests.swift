import Foundation
import Testing

/// The member table in `Protocols/ecs-api.md` against botocore's ECS model: every request member
/// of the task and service operations has a row (or sits under a refused one), and every row names
/// a member the model has.
@Suite("The table of request members in Protocols/ecs-api.md")
struct RequestMemberTableTests {
    static let operations = ["RegisterTaskDefinition", "RunTask", "StartTask", "CreateService", "UpdateService"]
    static let statuses: Set<String> = ["works", "refused", "kept"]

    /// botocore's ECS service model, as the AWS CLI on this machine has it.
    static func model() throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import json, sys, botocore.loaders as l; "
                + "json.dump(l.Loader().load_service_model('ecs', 'service-2'), sys.stdout)",
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0,
            "botocore's model cannot be read (install the AWS CLI and boto3): \(problem)"
        )
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Every member path of an operation's request: `a`, `a.b`, `list[].c`; maps are leaves.
    static func paths(_ operation: String, in model: [String: Any]) throws -> [String] {
        let shapes = try #require(model["shapes"] as? [String: [String: Any]])
        let input = try #require(
            ((model["operations"] as? [String: Any])?[operation] as? [String: Any])?["input"] as? [String: Any]
        )
        var paths: [String] = []
        func walk(_ name: String, _ prefix: String) {
            guard let shape = shapes[name] else { return }
            switch shape["type"] as? String {
            case "structure":
                for (member, value) in (shape["members"] as? [String: [String: Any]] ?? [:]).sorted(by: {
                    $0.key < $1.key
                }) {
                    let path = prefix.isEmpty ? member : "\(prefix).\(member)"
                    paths.append(path)
                    if let target = value["shape"] as? String { walk(target, path) }
                }
            case "list":
                if let target = (shape["member"] as? [String: Any])?["shape"] as? String { walk(target, prefix + "[]") }
            default:
                break
            }
        }
        walk(try #require(input["shape"] as? String), "")
        return paths
    }

    /// The rows of each operation's table: member path to status.
    static func table() throws -> [String: [String: String]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("Protocols/ecs-api.md"), encoding: .utf8)
        let start = try #require(text.range(of: "## Request members of the task and service operations"))
        let section = text[start.upperBound...].components(separatedBy: "\n## ").first ?? ""
        var tables: [String: [String: String]] = [:]
        var current: String?
        for line in section.split(separator: "\n") {
            if line.hasPrefix("### ") {
                current = line.dropFirst(4).split(separator: " ").first.map(String.init)
                continue
            }
            guard let operation = current, line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 4 else { continue }
            tables[operation, default: [:]][cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[2]
        }
        return tables
    }

    /// Whether `path` has a row, or an ancestor of it is refused.
    static func covered(_ path: String, by rows: [String: String]) -> Bool {
        if rows[path] != nil { return true }
        var prefix = Substring(path)
        while let dot = prefix.lastIndex(of: ".") {
            prefix = prefix[..<dot]
            let parent = prefix.hasSuffix("[]") ? String(prefix.dropLast(2)) : String(prefix)
            if rows[parent] == "refused" { return true }
        }
        return false
    }

    @Test("every request member of the five operations is in the table, and every row is a member of the model")
    func complete() throws {
        let model = try Self.model()
        let tables = try Self.table()
        for operation in Self.operations {
            let rows = try #require(tables[operation], "no table for \(operation)")
            let paths = try Self.paths(operation, in: model)
            #expect(paths.count > 10, "\(operation) has members in the model")
            let missing = paths.filter { !Self.covered($0, by: rows) }
            #expect(missing.isEmpty, "\(operation): members the table lacks: \(missing)")
            let stale = rows.keys.filter { !paths.contains($0) }.sorted()
            #expect(stale.isEmpty, "\(operation): rows that name no member of the model: \(stale)")
            let unknown = rows.filter { !Self.statuses.contains($0.value) }.map(\.key).sorted()
            #expect(unknown.isEmpty, "\(operation): rows without works, refused or kept: \(unknown)")
        }
    }

    @Test("a member missing from the table is found missing")
    func detectsGaps() throws {
        let rows = ["a": "works", "b": "refused"]
        #expect(Self.covered("a", by: rows))
        #expect(Self.covered("b.c", by: rows), "under a refused member")
        #expect(Self.covered("b[].c.d", by: rows))
        #expect(!Self.covered("a.x", by: rows), "a member under a working one needs its own row")
        #expect(!Self.covered("z", by: rows))
    }
}
