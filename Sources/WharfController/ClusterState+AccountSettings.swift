import WharfModel
import WharfState

extension ClusterState {
    /// The value in force for the caller: its own setting, else the account default, else ECS's default.
    func effectiveAccountSetting(_ name: String) -> String {
        accountSetting(name, principal: caller)
    }

    /// The value in force for `principal`: its own, else the account default, else ECS's.
    func accountSetting(_ name: String, principal: String) -> String {
        accountSettings[AccountSettingKey(principal: principal, name: name)]
            ?? accountSettings[AccountSettingKey(principal: nil, name: name)]
            ?? AccountSettingRules.settings[name]?.builtInDefault ?? ""
    }

    /// PutAccountSetting: for the caller, or for `principalArn` when given.
    public func putAccountSetting(
        _ request: ECS.PutAccountSettingRequest
    ) throws(ECSError) -> Outcome<ECS.PutAccountSettingResponse> {
        try AccountSettingRules.check(name: request.name, value: request.value)
        let principal = request.principalArn ?? caller
        let (name, value) = (request.name ?? "", request.value ?? "")
        let setting = ECS.Setting(name: name, value: value, principalArn: principal, type: "user")
        return Outcome(
            ECS.PutAccountSettingResponse(setting: setting),
            [.putAccountSetting(principal: principal, name: name, value: value)]
        )
    }

    /// DeleteAccountSetting: removes the principal's own value (the caller's, or `principalArn`'s),
    /// so the account default or ECS's applies again. The answer carries the value removed, or the
    /// one in force when there was none of its own.
    public func deleteAccountSetting(
        _ request: ECS.DeleteAccountSettingRequest
    ) throws(ECSError) -> Outcome<ECS.DeleteAccountSettingResponse> {
        guard let name = request.name else { throw ECSError(.invalidParameter, "name: is required") }
        guard AccountSettingRules.settings[name] != nil else {
            throw ECSError(
                .invalidParameter,
                "name \"\(name)\" is not an account setting; use one of \(ECS.Enum.settingName.joined(separator: ", "))"
            )
        }
        let principal = request.principalArn ?? caller
        let own = accountSettings[AccountSettingKey(principal: principal, name: name)]
        let value = accountSetting(name, principal: principal)
        let setting = ECS.Setting(name: name, value: value, principalArn: principal, type: "user")
        return Outcome(
            ECS.DeleteAccountSettingResponse(setting: setting),
            own == nil ? [] : [.deleteAccountSetting(principal: principal, name: name)]
        )
    }

    /// PutAccountSettingDefault: the value for every principal that has not set its own.
    public func putAccountSettingDefault(
        _ request: ECS.PutAccountSettingDefaultRequest
    ) throws(ECSError) -> Outcome<ECS.PutAccountSettingDefaultResponse> {
        try AccountSettingRules.check(name: request.name, value: request.value)
        let (name, value) = (request.name ?? "", request.value ?? "")
        let setting = ECS.Setting(name: name, value: value, principalArn: caller, type: "user")
        return Outcome(
            ECS.PutAccountSettingDefaultResponse(setting: setting),
            [.putAccountSetting(principal: nil, name: name, value: value)]
        )
    }

    /// ListAccountSettings: the principal's own settings, or with `effectiveSettings` the value in
    /// force for every setting (own, else account default, else ECS's default).
    public func listAccountSettings(
        _ request: ECS.ListAccountSettingsRequest
    ) throws(ECSError) -> ECS.ListAccountSettingsResponse {
        let size = try PageToken.pageSize(request.maxResults, limit: 10)
        if let name = request.name, AccountSettingRules.settings[name] == nil {
            throw ECSError(
                .invalidParameter,
                "name \"\(name)\" is not an account setting; use one of \(ECS.Enum.settingName.joined(separator: ", "))"
            )
        }
        let principal = request.principalArn ?? caller
        var settings: [ECS.Setting] = []
        for name in AccountSettingRules.settings.keys.sorted() where request.name.map({ $0 == name }) ?? true {
            let own = accountSettings[AccountSettingKey(principal: principal, name: name)]
            let accountDefault = accountSettings[AccountSettingKey(principal: nil, name: name)]
            let value: String?
            let type: String
            if let own {
                (value, type) = (own, "user")
            } else if request.effectiveSettings == true {
                (value, type) = (
                    accountDefault ?? AccountSettingRules.settings[name]?.builtInDefault,
                    accountDefault == nil ? "aws_managed" : "user"
                )
            } else {
                (value, type) = (nil, "user")
            }
            guard let value, request.value.map({ $0 == value }) ?? true else { continue }
            let owner = own != nil ? principal : (accountDefault != nil ? caller : principal)
            settings.append(ECS.Setting(name: name, value: value, principalArn: owner, type: type))
        }
        let page = try PageToken.page(
            settings,
            key: { $0.name ?? "" },
            size: size,
            after: request.nextToken,
            scope: "settings/\(principal)/\(request.effectiveSettings == true)"
        )
        return ECS.ListAccountSettingsResponse(settings: page.items, nextToken: page.nextToken)
    }
}
