/// The Amazon ECS wire shapes, generated from botocore's ECS service model into `ECS/Generated/`.
///
/// Every structure of the model is `ECS.<ShapeName>` with the model's member names, so values
/// encode and decode exactly as the AWS JSON 1.1 protocol carries them. All members are optional:
/// the API edge checks the model's `required` list itself (``ECSShape/validated()``) so a missing
/// member gets a clear `InvalidParameterException` naming it.
public enum ECS {}

/// A generated ECS shape that can check the constraints botocore's model states for it:
/// required members, enum values, numeric ranges and lengths.
public protocol ECSShape: Codable, Sendable {
    /// Adds a problem to `v` for every constraint this value (and what it contains) breaks.
    /// - Parameters:
    ///   - v: collects the problems.
    ///   - path: where this value sits in the request, such as `containerDefinitions[0]`.
    func validate(_ v: inout ShapeValidator, at path: String)
}

extension ECSShape {
    /// Checks the model's constraints on the whole value.
    /// - Throws: `InvalidParameterException` naming the first broken constraints.
    public func validated() throws(ECSError) -> Self {
        var validator = ShapeValidator()
        validate(&validator, at: "")
        if !validator.problems.isEmpty {
            throw ECSError(.invalidParameter, validator.problems.prefix(5).joined(separator: "; "))
        }
        return self
    }
}
