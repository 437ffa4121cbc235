/// ECS's rules for the names people choose: clusters, task definition families and containers take
/// up to 255 letters, numbers, hyphens and underscores.
public enum NameRules {
    /// Checks a cluster, family or container name.
    /// - Parameters:
    ///   - name: the value given.
    ///   - field: the request member, named in the error.
    /// - Throws: `InvalidParameterException` (or `ClientException` for containers, as ECS does) saying what is allowed.
    public static func check(_ name: String, field: String, code: ECSError.Code = .invalidParameter) throws(ECSError) {
        if name.isEmpty {
            throw ECSError(code, "\(field) must not be empty; use up to 255 letters, numbers, hyphens and underscores")
        }
        if name.utf8.count > 255 {
            throw ECSError(code, "\(field) is \(name.utf8.count) characters long; at most 255 are allowed")
        }
        if let bad = name.first(where: { !isAllowed($0) }) {
            throw ECSError(code, "\(field) \"\(name)\" contains \"\(bad)\"; only letters, numbers, hyphens and underscores are allowed")
        }
    }

    static func isAllowed(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_")
    }
}
