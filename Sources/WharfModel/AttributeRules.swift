#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// ECS's rules for custom attributes of container instances: names of up to 128 letters, numbers,
/// hyphens, underscores, slashes and periods; values of up to 128 of those plus `@`, `:` and
/// spaces (not at either end).
public enum AttributeRules {
    /// Checks attributes as given in a request.
    /// - Throws: `InvalidParameterException` naming the attribute and the rule.
    public static func check(_ attributes: [ECS.Attribute]) throws(ECSError) {
        for attribute in attributes {
            guard let name = attribute.name, !name.isEmpty, name.count <= 128,
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_/\\.".contains($0)) }) else {
                throw ECSError(.invalidParameter, "attribute name \"\(attribute.name ?? "")\" is not valid; use 1 to 128 letters, numbers, hyphens, underscores, slashes and periods")
            }
            if let value = attribute.value {
                guard value.count <= 128, value.first != " ", value.last != " ",
                      value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_/\\.@: ".contains($0)) }) else {
                    throw ECSError(.invalidParameter, "attribute \(name) value \"\(value)\" is not valid; use up to 128 letters, numbers, hyphens, underscores, periods, @, slashes, colons and inner spaces")
                }
            }
            if let type = attribute.targetType, type != "container-instance" {
                throw ECSError(.invalidParameter, "attribute \(name) targetType \"\(type)\" is not valid; use container-instance")
            }
        }
    }
}

/// The simple part of the ECS cluster query language that ListContainerInstances filters take:
/// `attribute:NAME == VALUE`, `attribute:NAME != VALUE`, `attribute:NAME exists`, joined by `and`.
public struct AttributeFilter: Sendable {
    enum Clause: Sendable {
        case equals(String, String)
        case notEquals(String, String)
        case exists(String)
    }

    let clauses: [Clause]

    /// Parses a filter.
    /// - Throws: `InvalidParameterException` saying which forms are understood.
    public init(_ text: String) throws(ECSError) {
        var clauses: [Clause] = []
        for part in text.components(separatedBy: " and ") {
            let words = part.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let first = words.first, first.hasPrefix("attribute:") else {
                throw ECSError(.invalidParameter, "filter \"\(text)\" is not understood; Wharf filters with attribute:NAME == VALUE, attribute:NAME != VALUE and attribute:NAME exists, joined by and")
            }
            let name = String(first.dropFirst("attribute:".count))
            switch (words.count, words.dropFirst().first) {
            case (3, "=="): clauses.append(.equals(name, words[2]))
            case (3, "!="): clauses.append(.notEquals(name, words[2]))
            case (2, "exists"): clauses.append(.exists(name))
            default:
                throw ECSError(.invalidParameter, "filter clause \"\(part)\" is not understood; use attribute:NAME == VALUE, attribute:NAME != VALUE or attribute:NAME exists")
            }
        }
        self.clauses = clauses
    }

    /// Whether an instance with `attributes` matches every clause.
    public func matches(_ attributes: [ECS.Attribute]) -> Bool {
        let values = Dictionary(attributes.map { ($0.name ?? "", $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
        return clauses.allSatisfy { clause in
            switch clause {
            case .equals(let name, let value): values[name] == value
            case .notEquals(let name, let value): values[name] != value
            case .exists(let name): values[name] != nil
            }
        }
    }
}
