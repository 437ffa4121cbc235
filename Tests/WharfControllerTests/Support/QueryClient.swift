import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import WharfModel
@testable import WharfController

/// Calls the Elastic Load Balancing handlers with Query protocol parameters, as botocore sends
/// them, and reads the XML answers into ``XMLTree``s.
struct QueryClient {
    let harness: Harness
    let operations: ELBv2Operations

    init() async throws {
        harness = try await Harness()
        operations = ELBv2Operations(controller: harness.controller)
    }

    func call(_ action: String, _ parameters: [String: String]) async throws -> Result<XMLTree, ECSError> {
        let handler = try #require(operations.handlers[action], "\(action) is served")
        do {
            let body = try await handler(
                parameters.merging(["Action": action, "Version": "2015-12-01"]) { a, _ in a },
                "r-1"
            )
            let tree = try #require(XMLTree.parse(body), "the answer is XML")
            #expect(tree.name == "\(action)Response")
            #expect(tree["ResponseMetadata"]?["RequestId"]?.text == "r-1")
            return .success(try #require(tree["\(action)Result"]))
        } catch let error as ECSError {
            return .failure(error)
        }
    }

    /// The result element of a call that must succeed (an issue is recorded otherwise).
    func ok(_ action: String, _ parameters: [String: String] = [:]) async throws -> XMLTree {
        switch try await call(action, parameters) {
        case .success(let tree): return tree
        case .failure(let error):
            Issue.record("\(action) failed: \(error)")
            return XMLTree(name: "failed")
        }
    }

    /// The error of a call that must fail; nil when it succeeded.
    func refusal(_ action: String, _ parameters: [String: String]) async throws -> ECSError? {
        if case .failure(let error) = try await call(action, parameters) { return error }
        return nil
    }
}

/// An XML element: its name, text and children.
final class XMLTree: @unchecked Sendable {
    // Built once by the parser's delegate on one thread, then only read.
    let name: String
    var text = ""
    var children: [XMLTree] = []

    init(name: String) { self.name = name }

    /// The first child named `name`.
    subscript(name: String) -> XMLTree? { children.first { $0.name == name } }

    /// The `<member>` elements of a list.
    var members: [XMLTree] { children.filter { $0.name == "member" } }

    /// The text at a path of child names.
    func value(_ path: String...) -> String? {
        var node: XMLTree? = self
        for name in path { node = node?[name] }
        return node?.text
    }

    static func parse(_ bytes: [UInt8]) -> XMLTree? {
        let parser = XMLParser(data: Data(bytes))
        let builder = Builder()
        parser.delegate = builder
        return parser.parse() ? builder.root : nil
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [XMLTree] = []
        var root: XMLTree?

        func parser(
            _ parser: XMLParser,
            didStartElement name: String,
            namespaceURI: String?,
            qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let node = XMLTree(name: name)
            stack.last?.children.append(node)
            if root == nil { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
        }
    }
}
