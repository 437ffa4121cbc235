import WharfModel
import WharfState

/// A listener rule's conditions, read from the API's shapes and written back: host-header and
/// path-pattern from `Values` or their `…Config`, the others from their `…Config`; at most five
/// values in all, at most one condition of each field but http-header and query-string.
enum RuleConditions {
    static func parse(_ given: [ELBv2.RuleCondition]?) throws(ECSError) -> [RuleCondition] {
        guard let given, !given.isEmpty else { throw ECSError(.validationError, "Conditions is required") }
        var conditions: [RuleCondition] = []
        for condition in given {
            conditions.append(try parse(condition))
        }
        let count = conditions.reduce(0) { $0 + max($1.values.count, $1.queryPairs.count) }
        guard count <= LoadBalancingRules.maxConditionValues else {
            throw ECSError(
                .tooManyRules,
                "A rule can have at most \(LoadBalancingRules.maxConditionValues) condition values; "
                    + "this one has \(count)"
            )
        }
        for field in [RuleCondition.Field.hostHeader, .pathPattern, .httpRequestMethod, .sourceIP]
        where conditions.filter({ $0.field == field }).count > 1 {
            throw ECSError(.validationError, "A rule can have only one '\(field.rawValue)' condition")
        }
        return conditions
    }

    private static func parse(_ condition: ELBv2.RuleCondition) throws(ECSError) -> RuleCondition {
        guard let name = condition.field else { throw ECSError(.validationError, "A condition's Field is required") }
        guard let field = RuleCondition.Field(rawValue: name) else {
            throw ECSError(.validationError, "Condition field '\(name)' is not valid")
        }
        let regex = [
            condition.regexValues, condition.hostHeaderConfig?.regexValues, condition.pathPatternConfig?.regexValues,
            condition.httpHeaderConfig?.regexValues,
        ]
        if regex.contains(where: { $0 != nil }) {
            throw LoadBalancingRules.unsupported("RegexValues", "its rules match with wildcards (* and ?)")
        }
        let configs: [(RuleCondition.Field, Bool)] = [
            (.hostHeader, condition.hostHeaderConfig != nil), (.pathPattern, condition.pathPatternConfig != nil),
            (.httpHeader, condition.httpHeaderConfig != nil), (.queryString, condition.queryStringConfig != nil),
            (.httpRequestMethod, condition.httpRequestMethodConfig != nil),
            (.sourceIP, condition.sourceIpConfig != nil),
        ]
        if let other = configs.first(where: { $0.1 && $0.0 != field }) {
            throw ECSError(
                .validationError,
                "A '\(name)' condition cannot have the configuration of a '\(other.0.rawValue)' condition"
            )
        }
        func values(_ config: [String]?) throws(ECSError) -> [String] {
            if condition.values != nil, config != nil {
                throw ECSError(
                    .validationError,
                    "Specify a condition's values in Values or in its configuration, not both"
                )
            }
            guard let list = condition.values ?? config, !list.isEmpty else {
                throw ECSError(.validationError, "A '\(name)' condition needs at least one value")
            }
            for value in list where value.isEmpty || value.count > 128 {
                throw ECSError(.validationError, "Condition value '\(value)' must be 1 to 128 characters")
            }
            return list
        }
        switch field {
        case .hostHeader:
            let list = try values(condition.hostHeaderConfig?.values)
            for value in list
            where !value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.*?".contains($0)) }) {
                throw ECSError(.validationError, "Host header value '\(value)' can contain only A-Z, a-z, 0-9, - . * ?")
            }
            return RuleCondition(field: field, values: list)
        case .pathPattern:
            return RuleCondition(field: field, values: try values(condition.pathPatternConfig?.values))
        case .httpHeader:
            guard condition.values == nil else {
                throw ECSError(.validationError, "An 'http-header' condition takes its values in HttpHeaderConfig")
            }
            guard let header = condition.httpHeaderConfig?.httpHeaderName, !header.isEmpty, header.count <= 40 else {
                throw ECSError(.validationError, "An 'http-header' condition needs HttpHeaderName (1 to 40 characters)")
            }
            return RuleCondition(
                field: field,
                values: try values(condition.httpHeaderConfig?.values),
                headerName: header
            )
        case .httpRequestMethod:
            guard condition.values == nil else {
                throw ECSError(
                    .validationError,
                    "An 'http-request-method' condition takes its values in HttpRequestMethodConfig"
                )
            }
            let list = try values(condition.httpRequestMethodConfig?.values)
            for value in list where !value.allSatisfy({ ($0.isASCII && $0.isUppercase) || $0 == "_" || $0 == "-" }) {
                throw ECSError(.validationError, "HTTP method '\(value)' can contain only A-Z, - and _")
            }
            return RuleCondition(field: field, values: list)
        case .sourceIP:
            guard condition.values == nil else {
                throw ECSError(.validationError, "A 'source-ip' condition takes its values in SourceIpConfig")
            }
            let list = try values(condition.sourceIpConfig?.values)
            for value in list where IPv4Network(value) == nil {
                throw ECSError(.validationError, "Source IP '\(value)' must be an IPv4 CIDR block such as 10.0.0.0/16")
            }
            return RuleCondition(field: field, values: list)
        case .queryString:
            guard condition.values == nil else {
                throw ECSError(.validationError, "A 'query-string' condition takes its values in QueryStringConfig")
            }
            let pairs = condition.queryStringConfig?.values ?? []
            guard !pairs.isEmpty else {
                throw ECSError(.validationError, "A 'query-string' condition needs at least one value")
            }
            var parsed: [RuleCondition.QueryPair] = []
            for pair in pairs {
                guard let value = pair.value, !value.isEmpty else {
                    throw ECSError(.validationError, "Each query-string pair needs a Value")
                }
                parsed.append(.init(key: pair.key, value: value))
            }
            return RuleCondition(field: field, values: [], queryPairs: parsed)
        }
    }

    /// A condition as the API shows it.
    static func project(_ condition: RuleCondition) -> ELBv2.RuleCondition {
        var shape = ELBv2.RuleCondition(field: condition.field.rawValue)
        switch condition.field {
        case .hostHeader:
            shape.values = condition.values
            shape.hostHeaderConfig = ELBv2.HostHeaderConditionConfig(values: condition.values)
        case .pathPattern:
            shape.values = condition.values
            shape.pathPatternConfig = ELBv2.PathPatternConditionConfig(values: condition.values)
        case .httpHeader:
            shape.httpHeaderConfig = ELBv2.HttpHeaderConditionConfig(
                httpHeaderName: condition.headerName,
                values: condition.values
            )
        case .httpRequestMethod:
            shape.httpRequestMethodConfig = ELBv2.HttpRequestMethodConditionConfig(values: condition.values)
        case .sourceIP:
            shape.sourceIpConfig = ELBv2.SourceIpConditionConfig(values: condition.values)
        case .queryString:
            shape.queryStringConfig = ELBv2.QueryStringConditionConfig(
                values: condition.queryPairs.map { ELBv2.QueryStringKeyValuePair(key: $0.key, value: $0.value) }
            )
        }
        return shape
    }
}
