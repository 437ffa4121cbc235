/// One durable change to the cluster state. The controller applies a batch of these to its
/// in-memory state, stores the same batch in one transaction, and answers only once it is stored;
/// a batch the store refuses is undone (``ClusterState/revert(_:)``). The store and the state
/// apply the same changes, which is what keeps them in agreement.
public enum StateChange: Equatable, Sendable {
    /// Creates or replaces a cluster (clusters are never removed; deletion makes them INACTIVE).
    case putCluster(ClusterRecord)
    /// Creates or replaces one task definition revision.
    case putTaskDefinition(TaskDefinitionRecord)
    /// Removes a revision for good (DeleteTaskDefinitions).
    case deleteTaskDefinition(TaskDefinitionKey)
    /// Records the newest revision number a family has used, so numbers are never reused.
    case putFamilyRevision(family: String, revision: Int)
    /// Sets an account setting for a principal, or the account default when `principal` is nil.
    case putAccountSetting(principal: String?, name: String, value: String)
    /// Removes a principal's own value of an account setting (DeleteAccountSetting).
    case deleteAccountSetting(principal: String?, name: String)
    /// Creates or replaces a container instance.
    case putInstance(InstanceRecord)
    /// Creates or replaces a task.
    case putTask(TaskRecord)
    /// Forgets a task for good (a STOPPED task past its retention).
    case deleteTask(TaskID)
    /// Creates or replaces a service.
    case putService(ServiceRecord)
    /// Forgets a service for good (an INACTIVE service past its retention).
    case deleteService(arn: String)
    /// Creates or replaces an activation (a registration counted, for example).
    case putActivation(ActivationRecord)
    /// Removes an activation (DeleteActivation).
    case deleteActivation(id: String)
    /// Creates or replaces an access key.
    case putAccessKey(AccessKeyRecord)
    /// Revokes an access key.
    case deleteAccessKey(id: String)
    /// Creates or replaces a Parameter Store parameter (all its versions).
    case putParameter(ParameterRecord)
    /// Deletes a parameter and every version of it.
    case deleteParameter(name: String)
    /// Creates or replaces a Secrets Manager secret (all its versions).
    case putSecret(SecretRecord)
    /// Deletes a secret for good.
    case deleteSecret(name: String)
    /// Remembers what a RunTask with a client token did.
    case putRunTaskToken(RunTaskToken)
    /// Creates or replaces a load balancer.
    case putLoadBalancer(LoadBalancerRecord)
    /// Deletes a load balancer (its listeners and rules go by changes of their own).
    case deleteLoadBalancer(id: String)
    /// Creates or replaces a target group (its targets with it).
    case putTargetGroup(TargetGroupRecord)
    /// Deletes a target group.
    case deleteTargetGroup(id: String)
    /// Creates or replaces a listener.
    case putListener(ListenerRecord)
    /// Deletes a listener (its rules go by changes of their own).
    case deleteListener(id: String)
    /// Creates or replaces a listener rule.
    case putListenerRule(ListenerRuleRecord)
    /// Deletes a listener rule.
    case deleteListenerRule(id: String)
    /// Creates or replaces a Cloud Map namespace.
    case putNamespace(NamespaceRecord)
    /// Deletes a Cloud Map namespace.
    case deleteNamespace(id: String)
    /// Creates or replaces a Cloud Map service (its instances with it).
    case putDiscoveryService(DiscoveryServiceRecord)
    /// Deletes a Cloud Map service.
    case deleteDiscoveryService(id: String)
    /// Records a Cloud Map operation.
    case putCloudMapOperation(CloudMapOperationRecord)
    /// Forgets a Cloud Map operation (the oldest, past the limit).
    case deleteCloudMapOperation(id: String)
    /// Forgets a RunTask client token (24 hours on).
    case deleteRunTaskToken(key: String)
    /// Creates or replaces a CloudWatch alarm.
    case putAlarm(AlarmRecord)
    /// Deletes a CloudWatch alarm.
    case deleteAlarm(name: String)
    /// Creates or replaces an Application Auto Scaling scalable target.
    case putScalableTarget(ScalableTargetRecord)
    /// Deregisters a scalable target.
    case deleteScalableTarget(ScalableTargetKey)
    /// Creates or replaces a scaling policy.
    case putScalingPolicy(ScalingPolicyRecord)
    /// Deletes a scaling policy.
    case deleteScalingPolicy(arn: String)
    /// Creates or replaces a scheduled action.
    case putScheduledAction(ScheduledActionRecord)
    /// Deletes a scheduled action.
    case deleteScheduledAction(arn: String)
    /// Creates or replaces a capacity provider.
    case putCapacityProvider(CapacityProviderRecord)
    /// Forgets a deleted capacity provider.
    case deleteCapacityProvider(name: String)
}

/// Everything the store holds, as loaded at start-up.
public struct StoredState: Equatable, Sendable {
    /// Every cluster, ACTIVE or INACTIVE.
    public var clusters: [ClusterRecord] = []
    /// Every task definition revision not deleted.
    public var taskDefinitions: [TaskDefinitionRecord] = []
    /// The newest revision number of each family.
    public var familyRevisions: [String: Int] = [:]
    /// Account settings by principal ARN; the account defaults under the key `nil`.
    public var accountSettings: [AccountSettingKey: String] = [:]
    /// Every container instance, registered or deregistered.
    public var instances: [InstanceRecord] = []
    /// Every task not yet forgotten.
    public var tasks: [TaskRecord] = []
    /// Every service not yet forgotten.
    public var services: [ServiceRecord] = []
    /// Every activation not deleted.
    public var activations: [ActivationRecord] = []
    /// Every access key not revoked.
    public var accessKeys: [AccessKeyRecord] = []
    /// Every Parameter Store parameter.
    public var parameters: [ParameterRecord] = []
    /// Every Secrets Manager secret, those scheduled for deletion included.
    public var secrets: [SecretRecord] = []
    /// The client tokens of RunTask calls of the last 24 hours.
    public var runTaskTokens: [RunTaskToken] = []
    /// Every load balancer, target group, listener and listener rule.
    public var loadBalancers: [LoadBalancerRecord] = []
    public var targetGroups: [TargetGroupRecord] = []
    public var listeners: [ListenerRecord] = []
    public var listenerRules: [ListenerRuleRecord] = []
    /// Every Cloud Map namespace, service and kept operation.
    public var namespaces: [NamespaceRecord] = []
    public var discoveryServices: [DiscoveryServiceRecord] = []
    public var cloudMapOperations: [CloudMapOperationRecord] = []
    /// Every CloudWatch alarm.
    public var alarms: [AlarmRecord] = []
    /// Every scalable target, scaling policy and scheduled action.
    public var scalableTargets: [ScalableTargetRecord] = []
    public var scalingPolicies: [ScalingPolicyRecord] = []
    public var scheduledActions: [ScheduledActionRecord] = []
    /// Every capacity provider.
    public var capacityProviders: [CapacityProviderRecord] = []
    /// This controller start's number: one more than the last start's (see ``Instances/generation``).
    public var generation = 1

    /// Creates an empty state.
    public init() {}
}
