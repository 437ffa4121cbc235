/// What RunTask and StartTask take besides the task definition and placement: the members Wharf
/// refuses, by name and why, and ECS's rules on those it gives effect to.
public enum TaskLaunchRules {
    /// The longest `referenceId` ECS accepts.
    public static let maxReferenceID = 1024

    /// Checks a RunTask request's members other than placement, count and client token.
    public static func check(_ request: ECS.RunTaskRequest) throws(ECSError) {
        try checkShared(request)
    }

    /// Checks a StartTask request's members other than the instances.
    public static func check(_ request: ECS.StartTaskRequest) throws(ECSError) {
        try checkShared(request)
    }


    static func checkShared(_ request: some TaskLaunchMembers) throws(ECSError) {
        if !(request.volumeConfigurations ?? []).isEmpty {
            throw ECSError.unsupported("volumeConfigurations", "there are no Amazon EBS volumes to attach at launch")
        }
        if let propagateTags = request.propagateTags, !["TASK_DEFINITION", "NONE"].contains(propagateTags) {
            throw ECSError(
                .invalidParameter,
                propagateTags == "SERVICE"
                    ? "propagateTags SERVICE is only for the tasks of a service; use TASK_DEFINITION or NONE"
                    : "propagateTags \(propagateTags) is not valid; use TASK_DEFINITION or NONE"
            )
        }
        if let referenceID = request.referenceId, referenceID.count > maxReferenceID {
            throw ECSError(
                .invalidParameter,
                "referenceId is \(referenceID.count) characters; at most \(maxReferenceID) are allowed"
            )
        }
        try check(request.overrides)
    }

    /// The overrides Wharf cannot give effect to are refused.
    public static func check(_ overrides: ECS.TaskOverride?) throws(ECSError) {
        guard let overrides else { return }
        if !(overrides.inferenceAcceleratorOverrides ?? []).isEmpty {
            throw ECSError.unsupported(
                "overrides.inferenceAcceleratorOverrides",
                "Elastic Inference accelerators exist only in AWS"
            )
        }
        if overrides.ephemeralStorage != nil {
            throw ECSError.unsupported(
                "overrides.ephemeralStorage",
                "a task's scratch space cannot be sized on a node; containers write to the engine's storage"
            )
        }
        for container in overrides.containerOverrides ?? [] {
            let name = "overrides: container \"\(container.name ?? "")\""
            if !(container.environmentFiles ?? []).isEmpty {
                throw ECSError.unsupported(
                    "\(name): environmentFiles",
                    "environment files are read from Amazon S3, which Wharf does not have; override environment"
                )
            }
            do {
                try TaskDefinitionRules.checkResourceRequirements(container.resourceRequirements, name: name)
            } catch {
                throw ECSError(.invalidParameter, error.message)
            }
        }
    }
}

/// The members RunTask and StartTask share that Wharf may refuse.
public protocol TaskLaunchMembers {
    var enableExecuteCommand: Bool? { get }
    var networkConfiguration: ECS.NetworkConfiguration? { get }
    var propagateTags: String? { get }
    var referenceId: String? { get }
    var volumeConfigurations: [ECS.TaskVolumeConfiguration]? { get }
    var overrides: ECS.TaskOverride? { get }
    var tags: [ECS.Tag]? { get }
    var enableECSManagedTags: Bool? { get }
}

extension ECS.RunTaskRequest: TaskLaunchMembers {}
extension ECS.StartTaskRequest: TaskLaunchMembers {}
