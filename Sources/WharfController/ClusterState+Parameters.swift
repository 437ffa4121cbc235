import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// The ARN of a parameter: `arn:aws:ssm:REGION:ACCOUNT:parameter/NAME` (a path's leading `/`
    /// is not repeated).
    func parameterARN(_ name: String) -> String {
        let resource = name.hasPrefix("/") ? String(name.dropFirst()) : name
        return ARN(
            service: "ssm",
            region: context.region,
            account: context.accountID,
            resourceType: "parameter",
            resourceID: resource
        ).description
    }

    /// A parameter's name from what a request gives: its name, or its ARN.
    func parameterName(_ reference: String) -> String {
        guard reference.hasPrefix("arn:"), let arn = ARN(parsing: reference), arn.service == "ssm",
            arn.resourceType == "parameter"
        else { return reference }
        let rooted = "/" + arn.resourceID
        return arn.resourceID.contains("/") || parameters[rooted] != nil ? rooted : arn.resourceID
    }

    /// The parameter a request names (by name or ARN).
    func parameter(_ reference: String?) throws(ECSError) -> ParameterRecord {
        let name = parameterName(reference ?? "")
        guard let record = parameters[name], record.current != nil else {
            throw ECSError(.parameterNotFound, "Parameter \(name) not found.")
        }
        return record
    }

    /// Where version `number` of a parameter sits among its versions.
    func versionIndex(_ number: Int, of record: ParameterRecord) throws(ECSError) -> Int {
        guard let index = record.versions.firstIndex(where: { $0.version == number }) else {
            throw ECSError(
                .parameterVersionNotFound,
                "Systems Manager could not find version \(number) of \(record.name). Verify the version and try again."
            )
        }
        return index
    }

    /// A parameter reference with its selector split off: `name`, `name:VERSION` or `name:LABEL`
    /// (an ARN may carry one too, after the parameter's name).
    func parameterSelection(_ reference: String) -> (name: String, selector: String?) {
        let start = reference.range(of: ":parameter/")?.upperBound ?? reference.startIndex
        guard let colon = reference[start...].lastIndex(of: ":") else { return (parameterName(reference), nil) }
        let selector = String(reference[reference.index(after: colon)...])
        return (parameterName(String(reference[..<colon])), selector)
    }

    /// The version a reference selects, or why none does.
    func selectedVersion(_ reference: String) throws(ECSError) -> (ParameterRecord, ParameterVersion, String?) {
        let (name, selector) = parameterSelection(reference)
        let record = try parameter(name)
        guard let selector else { return (record, record.versions[record.versions.count - 1], nil) }
        if let number = Int(selector) {
            return (record, record.versions[try versionIndex(number, of: record)], ":\(selector)")
        }
        guard let version = record.version(labelled: selector) else {
            throw ECSError(
                .parameterVersionNotFound,
                "Systems Manager could not find a version of \(name) labelled \(selector). Verify the label and try "
                    + "again."
            )
        }
        return (record, version, ":\(selector)")
    }

    /// A version as GetParameter shows it: a SecureString's value opened only when asked.
    func presentParameter(
        _ record: ParameterRecord,
        _ version: ParameterVersion,
        selector: String?,
        decrypt: Bool,
        seal: ValueSeal
    ) throws(ECSError) -> SSM.Parameter {
        SSM.Parameter(
            name: record.name,
            type: version.type.rawValue,
            value: try parameterValue(record.name, version, decrypt: decrypt, seal: seal),
            version: version.version,
            selector: selector,
            lastModifiedDate: version.modifiedAt,
            arn: parameterARN(record.name),
            dataType: version.dataType
        )
    }

    /// A version's value as an answer carries it.
    func parameterValue(
        _ name: String,
        _ version: ParameterVersion,
        decrypt: Bool,
        seal: ValueSeal
    ) throws(ECSError) -> String {
        guard version.type == .secureString, decrypt else { return version.value }
        guard let plain = seal.open(version.value, "parameter:\(name)") else {
            throw ECSError(
                .ssmInternalServerError,
                "the value of \(name) cannot be decrypted with this controller's secrets.key"
            )
        }
        return plain
    }

    /// PutParameter: a new parameter, or with `Overwrite` a new version of one.
    func putParameter(
        _ request: SSM.PutParameterRequest,
        now: Date,
        seal: ValueSeal
    ) throws(ECSError) -> Outcome<SSM.PutParameterResult> {
        let name = request.name ?? ""
        try ParameterRules.checkName(name)
        let existing = parameters[name]
        let previous = existing?.current
        if existing != nil, request.overwrite != true {
            throw ECSError(
                .parameterAlreadyExists,
                "The parameter already exists. To overwrite this value, set the overwrite option in the request to "
                    + "true."
            )
        }
        if existing != nil, !(request.tags ?? []).isEmpty {
            throw ECSError(
                .validation,
                "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please "
                    + "remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource "
                    + "or RemoveTagsFromResource."
            )
        }
        guard let type = request.type.flatMap(ParameterType.init) ?? previous?.type else {
            throw ECSError(
                .validation,
                "Type is required when you create a parameter: String, StringList or SecureString"
            )
        }
        if let previous, previous.type != type, name.contains("/") {
            throw ECSError(
                .hierarchyTypeMismatch,
                "Parameter Store doesn't support changing a parameter type in a hierarchy: \(name) is "
                    + "\(previous.type.rawValue); create a new parameter for a \(type.rawValue)"
            )
        }
        if request.policies != nil {
            throw ECSError(
                .invalidPolicyType,
                "Policies: parameter policies (Expiration, ExpirationNotification, NoChangeNotification) are not "
                    + "supported by Wharf; put the parameter without them"
            )
        }
        let dataType = request.dataType ?? previous?.dataType ?? "text"
        guard dataType == "text" else {
            throw ECSError(
                .validation,
                "DataType \(dataType) is not supported by Wharf: only text parameters are (aws:ec2:image and "
                    + "aws:ssm:integration check against services Wharf does not run)"
            )
        }
        var keyId: String?
        if type == .secureString {
            keyId = request.keyId ?? (previous?.type == .secureString ? previous?.keyId : nil) ?? "alias/aws/ssm"
            guard keyId == "alias/aws/ssm" else {
                throw ECSError(
                    .invalidKeyId,
                    "KeyId \(keyId ?? ""): Wharf seals SecureString values with the controller's own key "
                        + "(secrets.key); give alias/aws/ssm or leave KeyId out"
                )
            }
        } else if request.keyId != nil {
            throw ECSError(
                .validation,
                "KeyId is valid only for a SecureString parameter; \(name) is a \(type.rawValue)"
            )
        }
        let value = request.value ?? ""
        guard !value.isEmpty else { throw ECSError(.validation, "Value of \(name) must not be empty") }
        let allowedPattern = request.allowedPattern ?? previous?.allowedPattern
        if let allowedPattern, !allowedPattern.isEmpty {
            let regex: Regex<AnyRegexOutput>
            do {
                regex = try Regex(allowedPattern)
            } catch {
                throw ECSError(
                    .invalidAllowedPattern,
                    "AllowedPattern \(allowedPattern) is not a valid regular expression"
                )
            }
            guard (try? regex.wholeMatch(in: value)) != nil else {
                throw ECSError(
                    .parameterPatternMismatch,
                    "Parameter value, cannot be validated against allowedPattern: \(allowedPattern)"
                )
            }
        }
        let tier = try parameterTier(request.tier, previous: previous?.tier, value: value, name: name)
        var record =
            existing
            ?? ParameterRecord(
                name: name,
                versions: [],
                tags: (request.tags ?? []).map(Tag.init)
            )
        if record.versions.count >= ParameterRecord.versionLimit {
            guard let oldest = record.versions.first, oldest.labels.isEmpty else {
                throw ECSError(
                    .parameterMaxVersionLimitExceeded,
                    "You attempted to create a new version of \(name) by calling the PutParameter API with the "
                        + "overwrite flag. Version \(record.versions.first?.version ?? 0), the oldest version, can't "
                        + "be deleted because it has a label associated with it. Move the label to another version "
                        + "of the parameter, and try again."
                )
            }
            record.versions.removeFirst()
        }
        let stored: String
        if type == .secureString {
            do {
                stored = try seal.seal(value, "parameter:\(name)")
            } catch {
                throw ECSError(.ssmInternalServerError, "the value of \(name) could not be encrypted: \(error)")
            }
        } else {
            stored = value
        }
        let number = (previous?.version ?? 0) + 1
        record.versions.append(
            ParameterVersion(
                version: number,
                type: type,
                value: stored,
                description: request.description ?? previous?.description,
                allowedPattern: allowedPattern,
                tier: tier,
                dataType: dataType,
                keyId: keyId,
                modifiedAt: now,
                modifiedBy: caller
            )
        )
        return Outcome(SSM.PutParameterResult(version: number, tier: tier.rawValue), [.putParameter(record)])
    }

    /// The tier a new version gets: as asked (Intelligent-Tiering: standard when the value fits),
    /// never back from advanced to standard, and large enough for the value.
    func parameterTier(
        _ asked: String?,
        previous: ParameterTier?,
        value: String,
        name: String
    ) throws(ECSError) -> ParameterTier {
        let requested = asked.flatMap(ParameterTier.init) ?? previous ?? .standard
        var tier = requested
        if requested == .intelligentTiering {
            tier = value.count <= ParameterRules.standardValueLimit && previous != .advanced ? .standard : .advanced
        }
        if previous == .advanced, tier == .standard {
            throw ECSError(
                .validation,
                "\(name) uses the advanced-parameter tier. You can't downgrade a parameter from the "
                    + "advanced-parameter tier to the standard-parameter tier."
            )
        }
        let limit = tier == .advanced ? ParameterRules.advancedValueLimit : ParameterRules.standardValueLimit
        guard value.count <= limit else {
            throw ECSError(
                .validation,
                tier == .advanced
                    ? "Advanced tier parameters support a maximum parameter value of 8192 characters; \(name) has "
                        + "\(value.count)"
                    : "Standard tier parameters support a maximum parameter value of 4096 characters. To create a "
                        + "larger parameter value, upgrade the parameter to use the advanced-parameter tier."
            )
        }
        return tier
    }

    /// GetParameter: one parameter by name, ARN or `name:selector`.
    func getParameter(
        _ request: SSM.GetParameterRequest,
        seal: ValueSeal
    ) throws(ECSError) -> SSM.GetParameterResult {
        let (record, version, selector) = try selectedVersion(request.name ?? "")
        return SSM.GetParameterResult(
            parameter: try presentParameter(
                record,
                version,
                selector: selector,
                decrypt: request.withDecryption == true,
                seal: seal
            )
        )
    }

    /// GetParameters: up to 10; those not found (or whose selector finds nothing) are listed as
    /// invalid.
    func getParameters(
        _ request: SSM.GetParametersRequest,
        seal: ValueSeal
    ) throws(ECSError) -> SSM.GetParametersResult {
        var found: [SSM.Parameter] = []
        var invalid: [String] = []
        for reference in request.names ?? [] {
            do throws(ECSError) {
                let (record, version, selector) = try selectedVersion(reference)
                found.append(
                    try presentParameter(
                        record,
                        version,
                        selector: selector,
                        decrypt: request.withDecryption == true,
                        seal: seal
                    )
                )
            } catch  where error.code == .parameterNotFound || error.code == .parameterVersionNotFound {
                invalid.append(reference)
            }
        }
        return SSM.GetParametersResult(parameters: found, invalidParameters: invalid)
    }

    /// DeleteParameter: the parameter and every version of it.
    func deleteParameter(_ request: SSM.DeleteParameterRequest) throws(ECSError) -> Outcome<SSM.DeleteParameterResult> {
        let record = try parameter(request.name)
        return Outcome(SSM.DeleteParameterResult(), [.deleteParameter(name: record.name)])
    }

    /// DeleteParameters: up to 10; those not found are listed as invalid.
    func deleteParameters(_ request: SSM.DeleteParametersRequest) -> Outcome<SSM.DeleteParametersResult> {
        var deleted: [String] = []
        var invalid: [String] = []
        var changes: [StateChange] = []
        var gone: Set<String> = []
        for reference in request.names ?? [] {
            let name = parameterName(reference)
            if parameters[name] != nil, gone.insert(name).inserted {
                deleted.append(reference)
                changes.append(.deleteParameter(name: name))
            } else {
                invalid.append(reference)
            }
        }
        return Outcome(SSM.DeleteParametersResult(deletedParameters: deleted, invalidParameters: invalid), changes)
    }
}
