/// Parameter Store's rules for parameter names, paths and labels, with its error names.
public enum ParameterRules {
    /// The deepest a parameter name's hierarchy may go.
    public static let maximumLevels = 15
    /// The longest value of a standard and of an advanced parameter, in characters.
    public static let standardValueLimit = 4096
    public static let advancedValueLimit = 8192
    /// The most labels one version carries.
    public static let labelsPerVersion = 10

    /// Checks a name given to PutParameter.
    /// - Throws: `ValidationException` for characters, a reserved prefix or a path that is not
    ///   fully qualified; `HierarchyLevelLimitExceededException` past 15 levels.
    public static func checkName(_ name: String) throws(ECSError) {
        guard !name.isEmpty, name.count <= 2048 else {
            throw ECSError(.validation, "Parameter name must be 1 to 2048 characters long")
        }
        guard name.allSatisfy(isNameCharacter) else {
            throw ECSError(
                .validation,
                "Parameter name \(name) is not valid: it may use only letters, numbers and the symbols . - _ and "
                    + "/ between the levels of a path, as in /prod/db/password"
            )
        }
        if name.contains("/") {
            guard name.hasPrefix("/") else {
                throw ECSError(
                    .validation,
                    "Parameter name must be a fully qualified name: \(name) has a path, so it "
                        + "must begin with /"
                )
            }
            guard !name.hasSuffix("/"), !name.contains("//") else {
                throw ECSError(.validation, "Parameter name \(name) has an empty level in its path")
            }
        }
        let first = name.split(separator: "/").first.map(String.init) ?? name
        if first.lowercased().hasPrefix("aws") || first.lowercased().hasPrefix("ssm") {
            throw ECSError(
                .validation,
                "Parameter name \(name) is not valid: a name can't be prefixed with \"aws\" "
                    + "or \"ssm\" (case-insensitive)"
            )
        }
        let levels = name.filter { $0 == "/" }.count
        guard levels <= maximumLevels else {
            throw ECSError(
                .hierarchyLevelLimitExceeded,
                "Parameter name \(name) has \(levels) levels of hierarchy; at most \(maximumLevels) are allowed"
            )
        }
    }

    /// Checks a path given to GetParametersByPath or a Path filter.
    public static func checkPath(_ path: String) throws(ECSError) {
        guard path.hasPrefix("/"), path.count <= 2048, path.allSatisfy(isNameCharacter), !path.contains("//") else {
            throw ECSError(
                .validation,
                "Path \(path) is not valid: a path begins with / and uses only letters, "
                    + "numbers, . - _ and / between its levels, as in /prod/db"
            )
        }
        let levels = path.split(separator: "/").count
        guard levels <= maximumLevels else {
            throw ECSError(.hierarchyLevelLimitExceeded, "Path \(path) has more than \(maximumLevels) levels")
        }
    }

    /// Whether a label may be put on a version: at most 100 letters, numbers, `.`, `-` and `_`, not
    /// beginning with a number, `aws` or `ssm`.
    public static func isValidLabel(_ label: String) -> Bool {
        guard let first = label.first, label.count <= 100, !first.isNumber,
            label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else { return false }
        let lowered = label.lowercased()
        return !lowered.hasPrefix("aws") && !lowered.hasPrefix("ssm")
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "._-/".contains(character))
    }
}
