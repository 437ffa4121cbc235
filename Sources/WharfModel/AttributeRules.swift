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
