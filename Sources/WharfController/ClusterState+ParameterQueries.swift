import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// One filter of DescribeParameters or GetParametersByPath, checked.
    struct ParameterFilter {
        var key: String
        var option: String
        var values: [String]
    }

    /// Checks filters against the keys an operation allows and each key's options.
    func parameterFilters(
        _ filters: [SSM.ParameterStringFilter],
        allowed: [String]
    ) throws(ECSError) -> [ParameterFilter] {
        try filters.map { filter throws(ECSError) in
            let key = filter.key ?? ""
            let base = key.hasPrefix("tag:") ? "tag" : key
            guard allowed.contains(base) else {
                throw ECSError(
                    .invalidFilterKey,
                    "The following filter key is not valid: \(key). Valid filter keys include: "
                        + allowed.map { $0 == "tag" ? "tag:KEY" : $0 }.joined(separator: ", ")
                )
            }
            let options: [String] =
                switch base {
                case "Name": ["Equals", "BeginsWith", "Contains"]
                case "Path": ["Recursive", "OneLevel"]
                case "tag": ["Equals"]
                default: ["Equals"]
                }
            let option = filter.option ?? (base == "Path" ? "OneLevel" : "Equals")
            guard options.contains(option) else {
                throw ECSError(
                    .invalidFilterOption,
                    "The following filter option is not valid for \(key): \(option). Valid options include: "
                        + options.joined(separator: ", ")
                )
            }
            let values = filter.values ?? []
            if base != "tag", values.isEmpty {
                throw ECSError(.invalidFilterValue, "The filter \(key) needs at least one value")
            }
            if base == "Path" { for path in values { try ParameterRules.checkPath(path) } }
            return ParameterFilter(key: key, option: option, values: values)
        }
    }

    /// Whether a parameter passes every filter.
    func passes(_ record: ParameterRecord, _ filters: [ParameterFilter]) -> Bool {
        guard let current = record.current else { return false }
        return filters.allSatisfy { filter in
            switch filter.key {
            case "Name":
                let name = record.name
                return filter.values.contains { value in
                    let wanted = value.hasPrefix("/") || !name.hasPrefix("/") ? value : "/" + value
                    switch filter.option {
                    case "BeginsWith": return name.hasPrefix(wanted)
                    case "Contains": return name.contains(value)
                    default: return name == wanted
                    }
                }
            case "Type": return filter.values.contains(current.type.rawValue)
            case "KeyId": return filter.values.contains(current.keyId ?? "")
            case "Tier": return filter.values.contains(current.tier.rawValue)
            case "DataType": return filter.values.contains(current.dataType)
            case "Label": return record.versions.contains { !Set($0.labels).isDisjoint(with: filter.values) }
            case "Path":
                return filter.values.contains { path in
                    Self.isBelow(record.name, path: path, recursive: filter.option == "Recursive")
                }
            default:
                let tagKey = String(filter.key.dropFirst("tag:".count))
                guard let tag = record.tags.first(where: { $0.key == tagKey }) else { return false }
                return filter.values.isEmpty || filter.values.contains(tag.value ?? "")
            }
        }
    }

    /// Whether `name` lies under `path`: directly, or at any depth when `recursive`.
    static func isBelow(_ name: String, path: String, recursive: Bool) -> Bool {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        guard name.hasPrefix(prefix), name.count > prefix.count else { return false }
        return recursive || !name.dropFirst(prefix.count).contains("/")
    }

    /// DescribeParameters: the parameters' metadata, never their values, by name, filtered.
    func describeParameters(_ request: SSM.DescribeParametersRequest) throws(ECSError) -> SSM.DescribeParametersResult {
        if request.filters != nil, request.parameterFilters != nil {
            throw ECSError(.validation, "You can use either Filters or ParameterFilters in a single request.")
        }
        if request.shared == true {
            throw ECSError(.validation, "Shared: Wharf has no parameters shared from other accounts")
        }
        var filters = try parameterFilters(
            request.parameterFilters ?? [],
            allowed: ["Name", "Type", "KeyId", "Path", "Label", "Tier", "DataType", "tag"]
        )
        for filter in request.filters ?? [] {
            let key = filter.key ?? ""
            guard ["Name", "Type", "KeyId"].contains(key) else {
                throw ECSError(
                    .invalidFilterKey,
                    "The following filter key is not valid: \(key). Valid filter keys "
                        + "include: Name, Type, KeyId"
                )
            }
            filters.append(ParameterFilter(key: key, option: "Equals", values: filter.values ?? []))
        }
        let size = try ssmPageSize(request.maxResults, limit: 50)
        let matching = parameters.names.compactMap { parameters[$0] }.filter { passes($0, filters) }
        let scope = "parameters/\(filters.map { "\($0.key)=\($0.option)=\($0.values)" })"
        let page = try ssmPage(matching, key: \.name, size: size, after: request.nextToken, scope: scope)
        let metadata = page.items.compactMap { record -> SSM.ParameterMetadata? in
            guard let current = record.current else { return nil }
            return SSM.ParameterMetadata(
                name: record.name,
                arn: parameterARN(record.name),
                type: current.type.rawValue,
                keyId: current.keyId,
                lastModifiedDate: current.modifiedAt,
                lastModifiedUser: current.modifiedBy,
                description: current.description,
                allowedPattern: current.allowedPattern,
                version: current.version,
                tier: current.tier.rawValue,
                policies: [],
                dataType: current.dataType
            )
        }
        return SSM.DescribeParametersResult(parameters: metadata, nextToken: page.nextToken)
    }

    /// GetParametersByPath: the parameters one level under a path, or at any depth with
    /// `Recursive`, filtered by type, key or label, with their values.
    func getParametersByPath(
        _ request: SSM.GetParametersByPathRequest,
        seal: ValueSeal
    ) throws(ECSError) -> SSM.GetParametersByPathResult {
        let path = request.path ?? ""
        try ParameterRules.checkPath(path)
        let filters = try parameterFilters(request.parameterFilters ?? [], allowed: ["Type", "KeyId", "Label"])
        let size = try ssmPageSize(request.maxResults, limit: 10)
        let recursive = request.recursive == true
        let prefix = path.hasSuffix("/") ? path : path + "/"
        let matching = parameters.names(withPrefix: prefix).compactMap { parameters[$0] }.filter {
            Self.isBelow($0.name, path: path, recursive: recursive) && passes($0, filters)
        }
        let scope = "path/\(path)/\(recursive)/\(filters.map { "\($0.key)=\($0.values)" })"
        let page = try ssmPage(matching, key: \.name, size: size, after: request.nextToken, scope: scope)
        var found: [SSM.Parameter] = []
        for record in page.items {
            guard let current = record.current else { continue }
            found.append(
                try presentParameter(
                    record,
                    current,
                    selector: nil,
                    decrypt: request.withDecryption == true,
                    seal: seal
                )
            )
        }
        return SSM.GetParametersByPathResult(parameters: found, nextToken: page.nextToken)
    }

    /// GetParameterHistory: every version kept, oldest first.
    func getParameterHistory(
        _ request: SSM.GetParameterHistoryRequest,
        seal: ValueSeal
    ) throws(ECSError) -> SSM.GetParameterHistoryResult {
        let record = try parameter(request.name)
        let name = record.name
        let size = try ssmPageSize(request.maxResults, limit: 50)
        let page = try ssmPage(
            record.versions,
            key: { String(format: "%06d", $0.version) },
            size: size,
            after: request.nextToken,
            scope: "history/\(name)"
        )
        var history: [SSM.ParameterHistory] = []
        for version in page.items {
            history.append(
                SSM.ParameterHistory(
                    name: name,
                    type: version.type.rawValue,
                    keyId: version.keyId,
                    lastModifiedDate: version.modifiedAt,
                    lastModifiedUser: version.modifiedBy,
                    description: version.description,
                    value: try parameterValue(name, version, decrypt: request.withDecryption == true, seal: seal),
                    allowedPattern: version.allowedPattern,
                    version: version.version,
                    labels: version.labels,
                    tier: version.tier.rawValue,
                    policies: [],
                    dataType: version.dataType
                )
            )
        }
        return SSM.GetParameterHistoryResult(parameters: history, nextToken: page.nextToken)
    }

    /// A page size within Systems Manager's limit for the operation.
    func ssmPageSize(_ maxResults: Int?, limit: Int) throws(ECSError) -> Int {
        guard let maxResults else { return limit }
        guard (1...limit).contains(maxResults) else {
            throw ECSError(.validation, "MaxResults \(maxResults) is outside the allowed range 1 to \(limit)")
        }
        return maxResults
    }

    /// One page, with Systems Manager's error for a token this listing did not give.
    func ssmPage<T>(
        _ items: [T],
        key: (T) -> String,
        size: Int,
        after token: String?,
        scope: String
    ) throws(ECSError) -> (items: [T], nextToken: String?) {
        do {
            return try PageToken.page(items, key: key, size: size, after: token, scope: scope)
        } catch {
            throw ECSError(
                .invalidNextToken,
                "The specified token isn't valid: pass the NextToken of the previous "
                    + "page of the same request, unchanged"
            )
        }
    }

    /// The parameter a tagging request names; only parameters are taggable here.
    func taggedParameter(_ resourceType: String?, _ resourceId: String?) throws(ECSError) -> ParameterRecord {
        guard resourceType == "Parameter" else {
            throw ECSError(
                .invalidResourceType,
                "ResourceType \(resourceType ?? ""): Wharf keeps tags on parameters only (ResourceType Parameter)"
            )
        }
        let name = parameterName(resourceId ?? "")
        guard let record = parameters[name] else {
            throw ECSError(
                .invalidResourceId,
                "The resource ID \"\(resourceId ?? "")\" is not valid. Verify the ID "
                    + "and try again."
            )
        }
        return record
    }

    /// AddTagsToResource: adds or replaces tags on a parameter, at most 50 in all.
    func addParameterTags(
        _ request: SSM.AddTagsToResourceRequest
    ) throws(ECSError) -> Outcome<SSM.AddTagsToResourceResult> {
        var record = try taggedParameter(request.resourceType, request.resourceId)
        record.tags.merge((request.tags ?? []).map(Tag.init))
        guard record.tags.count <= 50 else {
            throw ECSError(
                .tooManyTags,
                "A parameter can have at most 50 tags; \(record.name) would have "
                    + "\(record.tags.count)"
            )
        }
        return Outcome(SSM.AddTagsToResourceResult(), [.putParameter(record)])
    }

    /// RemoveTagsFromResource: removes tags from a parameter by key.
    func removeParameterTags(
        _ request: SSM.RemoveTagsFromResourceRequest
    ) throws(ECSError) -> Outcome<SSM.RemoveTagsFromResourceResult> {
        var record = try taggedParameter(request.resourceType, request.resourceId)
        let keys = Set(request.tagKeys ?? [])
        record.tags.removeAll { keys.contains($0.key) }
        return Outcome(SSM.RemoveTagsFromResourceResult(), [.putParameter(record)])
    }

    /// ListTagsForResource: a parameter's tags.
    func listParameterTags(_ request: SSM.ListTagsForResourceRequest) throws(ECSError) -> SSM.ListTagsForResourceResult
    {
        let record = try taggedParameter(request.resourceType, request.resourceId)
        return SSM.ListTagsForResourceResult(tagList: record.tags.map(\.ssm))
    }
}
