/// The account settings ECS knows, the values each accepts, and the value an account has before
/// anyone sets it.
public enum AccountSettingRules {
    /// Allowed values and the AWS default, by setting name.
    public static let settings: [String: (allowed: [String], builtInDefault: String)] = [
        "serviceLongArnFormat": (["enabled", "disabled"], "enabled"),
        "taskLongArnFormat": (["enabled", "disabled"], "enabled"),
        "containerInstanceLongArnFormat": (["enabled", "disabled"], "enabled"),
        "awsvpcTrunking": (["enabled", "disabled"], "disabled"),
        "containerInsights": (["enabled", "disabled", "enhanced"], "disabled"),
        "fargateFIPSMode": (["enabled", "disabled"], "disabled"),
        "tagResourceAuthorization": (["on", "off"], "on"),
        "fargateTaskRetirementWaitPeriod": (["0", "7", "14"], "7"),
        "guardDutyActivate": (["on", "off"], "off"),
        "defaultLogDriverMode": (["blocking", "non-blocking"], "non-blocking"),
        "fargateEventWindows": (["enabled", "disabled"], "disabled"),
    ]

    /// Checks a setting's name and value.
    /// - Throws: `InvalidParameterException` naming what is allowed.
    public static func check(name: String?, value: String?) throws(ECSError) {
        guard let name else { throw ECSError(.invalidParameter, "name is required; one of \(ECS.Enum.settingName.joined(separator: ", "))") }
        guard let rule = settings[name] else {
            throw ECSError(.invalidParameter, "name \"\(name)\" is not an account setting; use one of \(ECS.Enum.settingName.joined(separator: ", "))")
        }
        guard let value else { throw ECSError(.invalidParameter, "value is required for \(name); one of \(rule.allowed.joined(separator: ", "))") }
        guard rule.allowed.contains(value) else {
            throw ECSError(.invalidParameter, "value \"\(value)\" is not valid for \(name); use one of \(rule.allowed.joined(separator: ", "))")
        }
    }

    /// Checks a cluster setting (`containerInsights` with enabled, disabled or enhanced).
    public static func checkClusterSettings(_ settings: [ECS.ClusterSetting]) throws(ECSError) {
        for setting in settings {
            guard setting.name == "containerInsights" else {
                throw ECSError(.invalidParameter, "cluster setting \"\(setting.name ?? "")\" is not known; the only cluster setting is containerInsights")
            }
            let allowed = ["enabled", "disabled", "enhanced"]
            guard let value = setting.value, allowed.contains(value) else {
                throw ECSError(.invalidParameter, "containerInsights value \"\(setting.value ?? "")\" is not valid; use enabled, disabled or enhanced")
            }
        }
    }
}
