/// Account settings, per principal and as the account's defaults.
public struct AccountSettings: Sendable {
    private var values: [AccountSettingKey: String] = [:]

    /// No settings.
    public init() {}

    /// The value set for `key`, if any.
    public subscript(key: AccountSettingKey) -> String? { values[key] }

    /// Every setting.
    public var all: [AccountSettingKey: String] { values }

    @discardableResult
    mutating func set(_ value: String?, for key: AccountSettingKey) -> String? {
        guard let value else { return values.removeValue(forKey: key) }
        return values.updateValue(value, forKey: key)
    }
}

/// Where an account setting applies: one principal, or the account default (`principal` nil).
public struct AccountSettingKey: Hashable, Sendable {
    /// The principal's ARN, or nil for the account default.
    public var principal: String?
    /// The setting's name.
    public var name: String

    /// Creates a key.
    public init(principal: String?, name: String) {
        self.principal = principal
        self.name = name
    }
}
