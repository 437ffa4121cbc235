/// ECS's rules for resource tags: at most 50 per resource, keys 1-128 and values up to 256
/// characters of letters, numbers, spaces and `_ . : / = + - @`, and no `aws:` prefix.
public enum TagRules {
    /// The most tags one resource may carry.
    public static let maxTags = 50

    /// Checks a list of tags as given in a request.
    /// - Throws: `InvalidParameterException` naming the tag and the rule.
    public static func check(_ tags: [ECS.Tag]) throws(ECSError) {
        guard tags.count <= maxTags else {
            throw ECSError(.invalidParameter, "\(tags.count) tags given; a resource may carry at most \(maxTags)")
        }
        for tag in tags {
            guard let key = tag.key, !key.isEmpty else {
                throw ECSError(.invalidParameter, "every tag needs a key of 1 to 128 characters")
            }
            guard key.count <= 128 else {
                throw ECSError(.invalidParameter, "tag key \"\(key.prefix(20))...\" is \(key.count) characters; at most 128 are allowed")
            }
            let value = tag.value ?? ""
            guard value.count <= 256 else {
                throw ECSError(.invalidParameter, "tag \"\(key)\" has a value of \(value.count) characters; at most 256 are allowed")
            }
            if key.lowercased().hasPrefix("aws:") {
                throw ECSError(.invalidParameter, "tag key \"\(key)\" uses the reserved prefix aws:")
            }
            for text in [key, value] {
                if let bad = text.first(where: { !isAllowed($0) }) {
                    throw ECSError(.invalidParameter, "tag \"\(key)\" contains \"\(bad)\"; allowed are letters, numbers, spaces and _ . : / = + - @")
                }
            }
        }
    }

    /// Merges `new` tags into `existing`: a key given again takes the new value.
    public static func merge(_ existing: [ECS.Tag], _ new: [ECS.Tag]) -> [ECS.Tag] {
        var merged = existing
        for tag in new {
            if let index = merged.firstIndex(where: { $0.key == tag.key }) {
                merged[index] = tag
            } else {
                merged.append(tag)
            }
        }
        return merged
    }

    static func isAllowed(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == " " || "_.:/=+-@".contains(c)
    }
}
