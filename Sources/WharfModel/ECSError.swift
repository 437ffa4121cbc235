/// An error the ECS API reports to its caller, with the exception name the AWS SDKs turn into a
/// typed exception (`__type` on the wire) and a message that says what is wrong and what to do.
public struct ECSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The ECS exception name, such as `ClientException`.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let client = Code(rawValue: "ClientException")
        public static let invalidParameter = Code(rawValue: "InvalidParameterException")
        public static let clusterNotFound = Code(rawValue: "ClusterNotFoundException")
        public static let clusterContainsServices = Code(rawValue: "ClusterContainsServicesException")
        public static let clusterContainsContainerInstances = Code(
            rawValue: "ClusterContainsContainerInstancesException"
        )
        public static let clusterContainsTasks = Code(rawValue: "ClusterContainsTasksException")
        public static let resourceNotFound = Code(rawValue: "ResourceNotFoundException")
        /// CloudWatch Logs' error for a log group or stream that exists already.
        public static let resourceAlreadyExists = Code(rawValue: "ResourceAlreadyExistsException")
        public static let targetNotFound = Code(rawValue: "TargetNotFoundException")
        public static let serviceNotFound = Code(rawValue: "ServiceNotFoundException")
        public static let serviceNotActive = Code(rawValue: "ServiceNotActiveException")
        /// A client token reused with other parameters (RunTask).
        public static let conflict = Code(rawValue: "ConflictException")
        public static let serviceDeploymentNotFound = Code(rawValue: "ServiceDeploymentNotFoundException")
        public static let taskSetNotFound = Code(rawValue: "TaskSetNotFoundException")
        /// Systems Manager's errors, for the activation operations.
        public static let ssmInvalidParameters = Code(rawValue: "InvalidParameters")
        public static let invalidActivationId = Code(rawValue: "InvalidActivationId")
        public static let invalidActivation = Code(rawValue: "InvalidActivation")
        public static let invalidFilter = Code(rawValue: "InvalidFilter")
        public static let invalidNextToken = Code(rawValue: "InvalidNextToken")
        public static let ssmInternalServerError = Code(rawValue: "InternalServerError")
        /// Parameter Store's errors.
        public static let validation = Code(rawValue: "ValidationException")
        public static let parameterNotFound = Code(rawValue: "ParameterNotFound")
        public static let parameterAlreadyExists = Code(rawValue: "ParameterAlreadyExists")
        public static let parameterVersionNotFound = Code(rawValue: "ParameterVersionNotFound")
        public static let parameterMaxVersionLimitExceeded = Code(rawValue: "ParameterMaxVersionLimitExceeded")
        public static let parameterVersionLabelLimitExceeded = Code(rawValue: "ParameterVersionLabelLimitExceeded")
        public static let parameterPatternMismatch = Code(rawValue: "ParameterPatternMismatchException")
        public static let invalidAllowedPattern = Code(rawValue: "InvalidAllowedPatternException")
        public static let hierarchyLevelLimitExceeded = Code(rawValue: "HierarchyLevelLimitExceededException")
        public static let hierarchyTypeMismatch = Code(rawValue: "HierarchyTypeMismatchException")
        public static let invalidKeyId = Code(rawValue: "InvalidKeyId")
        public static let invalidPolicyType = Code(rawValue: "InvalidPolicyTypeException")
        public static let invalidFilterKey = Code(rawValue: "InvalidFilterKey")
        public static let invalidFilterOption = Code(rawValue: "InvalidFilterOption")
        public static let invalidFilterValue = Code(rawValue: "InvalidFilterValue")
        public static let invalidResourceType = Code(rawValue: "InvalidResourceType")
        public static let invalidResourceId = Code(rawValue: "InvalidResourceId")
        public static let tooManyTags = Code(rawValue: "TooManyTagsError")
        /// Secrets Manager's errors (beside InvalidParameterException and ResourceNotFoundException).
        public static let resourceExists = Code(rawValue: "ResourceExistsException")
        public static let invalidRequest = Code(rawValue: "InvalidRequestException")
        public static let invalidNextTokenException = Code(rawValue: "InvalidNextTokenException")
        public static let decryptionFailure = Code(rawValue: "DecryptionFailure")
        public static let encryptionFailure = Code(rawValue: "EncryptionFailure")
        /// Elastic Load Balancing's errors (the Query protocol's `Code`).
        public static let validationError = Code(rawValue: "ValidationError")
        public static let invalidAction = Code(rawValue: "InvalidAction")
        public static let missingAction = Code(rawValue: "MissingAction")
        public static let loadBalancerNotFound = Code(rawValue: "LoadBalancerNotFound")
        public static let targetGroupNotFound = Code(rawValue: "TargetGroupNotFound")
        public static let listenerNotFound = Code(rawValue: "ListenerNotFound")
        public static let ruleNotFound = Code(rawValue: "RuleNotFound")
        public static let duplicateLoadBalancerName = Code(rawValue: "DuplicateLoadBalancerName")
        public static let duplicateTargetGroupName = Code(rawValue: "DuplicateTargetGroupName")
        public static let duplicateListener = Code(rawValue: "DuplicateListener")
        public static let duplicateTagKeys = Code(rawValue: "DuplicateTagKeys")
        public static let priorityInUse = Code(rawValue: "PriorityInUse")
        public static let resourceInUse = Code(rawValue: "ResourceInUse")
        /// ECS's name for a resource still used (PutClusterCapacityProviders).
        public static let resourceInUseException = Code(rawValue: "ResourceInUseException")
        public static let invalidTarget = Code(rawValue: "InvalidTarget")
        public static let invalidConfigurationRequest = Code(rawValue: "InvalidConfigurationRequest")
        public static let incompatibleProtocols = Code(rawValue: "IncompatibleProtocols")
        public static let invalidLoadBalancerAction = Code(rawValue: "InvalidLoadBalancerAction")
        public static let operationNotPermitted = Code(rawValue: "OperationNotPermitted")
        public static let tooManyLoadBalancers = Code(rawValue: "TooManyLoadBalancers")
        public static let tooManyTargetGroups = Code(rawValue: "TooManyTargetGroups")
        public static let tooManyListeners = Code(rawValue: "TooManyListeners")
        public static let tooManyRules = Code(rawValue: "TooManyRules")
        public static let tooManyTargets = Code(rawValue: "TooManyTargets")
        public static let tooManyActions = Code(rawValue: "TooManyActions")
        public static let elbTooManyTags = Code(rawValue: "TooManyTags")
        public static let unsupportedProtocol = Code(rawValue: "UnsupportedProtocol")
        public static let targetGroupAssociationLimit = Code(rawValue: "TargetGroupAssociationLimit")
        /// Cloud Map's errors (beside ResourceInUse and ResourceNotFoundException).
        public static let invalidInput = Code(rawValue: "InvalidInput")
        public static let namespaceNotFound = Code(rawValue: "NamespaceNotFound")
        /// ECS's own name for a Cloud Map namespace that is not there (ListServicesByNamespace).
        public static let ecsNamespaceNotFound = Code(rawValue: "NamespaceNotFoundException")
        public static let namespaceAlreadyExists = Code(rawValue: "NamespaceAlreadyExists")
        public static let cloudMapServiceNotFound = Code(rawValue: "ServiceNotFound")
        public static let serviceAlreadyExists = Code(rawValue: "ServiceAlreadyExists")
        public static let instanceNotFound = Code(rawValue: "InstanceNotFound")
        public static let operationNotFound = Code(rawValue: "OperationNotFound")
        public static let duplicateRequest = Code(rawValue: "DuplicateRequest")
        public static let resourceLimitExceeded = Code(rawValue: "ResourceLimitExceeded")
        public static let customHealthNotFound = Code(rawValue: "CustomHealthNotFound")
        public static let tooManyTagsException = Code(rawValue: "TooManyTagsException")
        /// CloudWatch's errors, by their Query protocol codes.
        public static let invalidParameterValue = Code(rawValue: "InvalidParameterValue")
        public static let missingParameter = Code(rawValue: "MissingParameter")
        public static let invalidParameterCombination = Code(rawValue: "InvalidParameterCombination")
        public static let alarmNotFound = Code(rawValue: "ResourceNotFound")
        public static let limitExceededFault = Code(rawValue: "LimitExceeded")
        public static let invalidFormat = Code(rawValue: "InvalidFormat")
        public static let internalServiceError = Code(rawValue: "InternalServiceError")
        /// Application Auto Scaling's errors.
        public static let objectNotFound = Code(rawValue: "ObjectNotFoundException")
        public static let concurrentUpdate = Code(rawValue: "ConcurrentUpdateException")
        public static let failedResourceAccess = Code(rawValue: "FailedResourceAccessException")
        public static let internalService = Code(rawValue: "InternalServiceException")
        /// IAM's error for an access key that is not there.
        public static let noSuchEntity = Code(rawValue: "NoSuchEntityException")
        /// Authentication refusals (AWS Signature Version 4).
        public static let missingAuthenticationToken = Code(rawValue: "MissingAuthenticationTokenException")
        public static let incompleteSignature = Code(rawValue: "IncompleteSignatureException")
        public static let unrecognizedClient = Code(rawValue: "UnrecognizedClientException")
        public static let invalidSignature = Code(rawValue: "InvalidSignatureException")
        public static let limitExceeded = Code(rawValue: "LimitExceededException")
        public static let unknownOperation = Code(rawValue: "UnknownOperationException")
        public static let serialization = Code(rawValue: "SerializationException")
        public static let server = Code(rawValue: "ServerException")
    }

    /// Which exception this is.
    public var code: Code
    /// What went wrong, for a person: AWS's own words where AWS has a fixed message for the case,
    /// since tools match on them.
    public var message: String
    /// Wharf's advice beyond AWS's message (what to do about it), for the controller's log, never
    /// sent to the caller.
    public var hint: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    /// The HTTP status the error travels with: 500 for a server fault, 403 for a request without
    /// authentication, 400 for everything else.
    public var httpStatus: Int {
        switch code {
        case .server, .ssmInternalServerError, .internalServiceError, .internalService: 500
        case .alarmNotFound: 404
        case .missingAuthenticationToken: 403
        default: 400
        }
    }

    public var description: String {
        guard let hint else { return "\(code.rawValue): \(message)" }
        return "\(code.rawValue): \(message) (\(hint))"
    }
}

extension ECSError {
    /// `value`, or `InvalidParameterException` saying that the request member `member` is required.
    public static func required<Value>(_ value: Value?, _ member: String) throws(ECSError) -> Value {
        guard let value else { throw ECSError(.invalidParameter, "\(member): is required") }
        return value
    }

    /// `member` is refused because Wharf cannot give it effect, for the reason `why`
    /// (`InvalidParameterException`).
    public static func unsupported(_ member: String, _ why: String) -> ECSError {
        ECSError(.invalidParameter, "\(member) is not supported by Wharf: \(why)")
    }
}
