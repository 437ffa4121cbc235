import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// LabelParameterVersion: puts labels on a version (the newest when none is named), moving
    /// them from the version that had them; labels that break the rules are returned, not put.
    func labelParameterVersion(
        _ request: SSM.LabelParameterVersionRequest
    ) throws(ECSError) -> Outcome<SSM.LabelParameterVersionResult> {
        var record = try parameter(request.name)
        let name = record.name
        let number = request.parameterVersion ?? record.versions[record.versions.count - 1].version
        let index = try versionIndex(number, of: record)
        let labels = request.labels ?? []
        let valid = labels.filter(ParameterRules.isValidLabel)
        let invalid = labels.filter { !ParameterRules.isValidLabel($0) }
        for other in record.versions.indices where other != index {
            record.versions[other].labels.removeAll { valid.contains($0) }
        }
        for label in valid where !record.versions[index].labels.contains(label) {
            record.versions[index].labels.append(label)
        }
        guard record.versions[index].labels.count <= ParameterRules.labelsPerVersion else {
            throw ECSError(
                .parameterVersionLabelLimitExceeded,
                "A parameter version can have at most \(ParameterRules.labelsPerVersion) labels; version \(number) of "
                    + "\(name) would have \(record.versions[index].labels.count)"
            )
        }
        let changes: [StateChange] = record == parameters[name] ? [] : [.putParameter(record)]
        return Outcome(SSM.LabelParameterVersionResult(invalidLabels: invalid, parameterVersion: number), changes)
    }

    /// UnlabelParameterVersion: removes labels from a version; those it does not carry are returned.
    func unlabelParameterVersion(
        _ request: SSM.UnlabelParameterVersionRequest
    ) throws(ECSError) -> Outcome<SSM.UnlabelParameterVersionResult> {
        var record = try parameter(request.name)
        let index = try versionIndex(request.parameterVersion ?? 0, of: record)
        let labels = request.labels ?? []
        let removed = labels.filter { record.versions[index].labels.contains($0) }
        let invalid = labels.filter { !record.versions[index].labels.contains($0) }
        record.versions[index].labels.removeAll { removed.contains($0) }
        let changes: [StateChange] = removed.isEmpty ? [] : [.putParameter(record)]
        return Outcome(SSM.UnlabelParameterVersionResult(removedLabels: removed, invalidLabels: invalid), changes)
    }
}
