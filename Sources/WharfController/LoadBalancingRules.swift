import WharfModel
import WharfState

/// Elastic Load Balancing's rules that its model cannot state: names, tags, pages, IDs, and the
/// limits Wharf keeps (those of AWS's default quotas).
enum LoadBalancingRules {
    static let maxLoadBalancers = 50
    static let maxTargetGroups = 3000
    static let maxListeners = 50
    static let maxRules = 100
    static let maxTargets = 1000
    static let maxConditionValues = 5
    static let maxTags = 50

    /// A load balancer's or target group's name: 1 to 32 letters, digits and hyphens, not
    /// starting or ending with a hyphen (and a load balancer's not starting with `internal-`).
    static func checkName(_ name: String, _ kind: String) throws(ECSError) {
        let label = kind == "load balancer" ? "Load balancer" : "Target group"
        guard !name.isEmpty, name.count <= 32 else {
            throw ECSError(.validationError, "\(label) name cannot be longer than '32' characters")
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw ECSError(
                .validationError,
                "\(label) name '\(name)' can only contain characters that are alphanumeric characters or hyphens(-)"
            )
        }
        guard !name.hasPrefix("-"), !name.hasSuffix("-") else {
            throw ECSError(.validationError, "\(label) name '\(name)' cannot begin or end with '-' character")
        }
        if kind == "load balancer", name.lowercased().hasPrefix("internal-") {
            throw ECSError(.validationError, "Load balancer name '\(name)' cannot begin with 'internal-'")
        }
    }

    /// Tags as given: keys unique (`DuplicateTagKeys`), not `aws:`, at most ``maxTags``.
    static func tags(_ given: [ELBv2.Tag]?) throws(ECSError) -> [Tag] {
        var tags: [Tag] = []
        for tag in given ?? [] {
            guard let key = tag.key else { throw ECSError(.validationError, "Tag key is required") }
            guard !key.lowercased().hasPrefix("aws:") else {
                throw ECSError(.validationError, "Tag keys starting with 'aws:' are reserved for AWS use")
            }
            guard !tags.contains(where: { $0.key == key }) else {
                throw ECSError(.duplicateTagKeys, "Tag key '\(key)' is duplicated")
            }
            tags.append(Tag(key: key, value: tag.value))
        }
        guard tags.count <= maxTags else {
            throw ECSError(.elbTooManyTags, "A resource can have at most \(maxTags) tags")
        }
        return tags
    }

    /// `tags` with `new` added, each replacing a tag of the same key.
    static func merge(_ tags: [Tag], _ new: [Tag]) throws(ECSError) -> [Tag] {
        var merged = tags.filter { tag in !new.contains { $0.key == tag.key } }
        merged += new
        guard merged.count <= maxTags else {
            throw ECSError(.elbTooManyTags, "A resource can have at most \(maxTags) tags")
        }
        return merged
    }

    /// One page of `items`: from the `marker` a previous page gave, at most `pageSize` (all when
    /// nil), and the marker of the next page.
    static func page<T>(_ items: [T], marker: String?, pageSize: Int?) throws(ECSError) -> (items: [T], next: String?) {
        var start = 0
        if let marker {
            guard marker.hasPrefix("wharf-"), let offset = Int(marker.dropFirst(6)), offset >= 0,
                offset <= items.count
            else {
                throw ECSError(
                    .validationError,
                    "The marker '\(marker)' is not valid; use the NextMarker of a previous page"
                )
            }
            start = offset
        }
        let end = min(items.count, start + (pageSize ?? 400))
        return (Array(items[start..<end]), end < items.count ? "wharf-\(end)" : nil)
    }

    /// A new ID: 16 hex digits, as ends the ARNs of Elastic Load Balancing.
    static func newID(_ random: inout SeededRandom) -> String {
        let value = random.next()
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Refuses a member Wharf cannot give effect to.
    static func unsupported(_ member: String, _ why: String) -> ECSError {
        ECSError(.validationError, "\(member) is not supported by Wharf: \(why)")
    }
}
