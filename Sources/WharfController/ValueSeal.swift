import Foundation

/// Seals a stored secret value (a SecureString parameter's, a secret's) bound to a context that
/// names what holds it (`parameter:NAME`, `secret:NAME`), and opens it again (nil when it cannot be
/// opened): the controller's ``SecretSealer``, so the state holds only sealed values.
public struct ValueSeal: Sendable {
    var seal: @Sendable (_ value: String, _ context: String) throws -> String
    var open: @Sendable (_ sealed: String, _ context: String) -> String?

    /// The seal of `sealer`.
    public init(_ sealer: SecretSealer) {
        seal = { value, context in try sealer.seal(value, context: context) }
        open = { sealed, context in sealer.open(sealed, context: context) }
    }

    /// A seal made of two functions (tests).
    init(
        seal: @escaping @Sendable (_ value: String, _ context: String) throws -> String,
        open: @escaping @Sendable (_ sealed: String, _ context: String) -> String?
    ) {
        self.seal = seal
        self.open = open
    }
}
