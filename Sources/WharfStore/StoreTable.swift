/// A table of the store, as both stores have it. Each store writes a batch of its rows a few hundred
/// rows a statement, so a transaction of thousands of changes is a few dozen statements.
struct StoreTable: Hashable, Sendable {
    /// The table's name.
    var name: String
    /// Its columns, key columns first.
    var columns: [String]
    /// How many of `columns` form the primary key.
    var keyCount: Int

    static let clusters = StoreTable(name: "clusters", columns: ["name", "body"], keyCount: 1)
    static let taskDefinitions = StoreTable(
        name: "task_definitions",
        columns: ["family", "revision", "body"],
        keyCount: 2
    )
    static let families = StoreTable(
        name: "task_definition_families",
        columns: ["family", "last_revision"],
        keyCount: 1
    )
    static let accountSettings = StoreTable(
        name: "account_settings",
        columns: ["principal", "name", "value"],
        keyCount: 2
    )
    static let instances = StoreTable(name: "instances", columns: ["id", "cluster", "body"], keyCount: 1)
    static let tasks = StoreTable(name: "tasks", columns: ["id", "cluster", "body"], keyCount: 1)
    static let services = StoreTable(name: "services", columns: ["arn", "cluster", "body"], keyCount: 1)
    static let activations = StoreTable(name: "activations", columns: ["id", "body"], keyCount: 1)
    static let accessKeys = StoreTable(name: "access_keys", columns: ["id", "body"], keyCount: 1)
    static let parameters = StoreTable(name: "parameters", columns: ["name", "body"], keyCount: 1)
    static let secrets = StoreTable(name: "secrets", columns: ["name", "body"], keyCount: 1)
    static let runTaskTokens = StoreTable(name: "run_task_tokens", columns: ["key", "body"], keyCount: 1)
    static let loadBalancers = StoreTable(name: "load_balancers", columns: ["id", "body"], keyCount: 1)
    static let targetGroups = StoreTable(name: "target_groups", columns: ["id", "body"], keyCount: 1)
    static let listeners = StoreTable(name: "listeners", columns: ["id", "body"], keyCount: 1)
    static let listenerRules = StoreTable(name: "listener_rules", columns: ["id", "body"], keyCount: 1)
    static let namespaces = StoreTable(name: "namespaces", columns: ["id", "body"], keyCount: 1)
    static let discoveryServices = StoreTable(name: "discovery_services", columns: ["id", "body"], keyCount: 1)
    static let cloudMapOperations = StoreTable(name: "cloud_map_operations", columns: ["id", "body"], keyCount: 1)
    static let alarms = StoreTable(name: "alarms", columns: ["name", "body"], keyCount: 1)
    static let scalableTargets = StoreTable(name: "scalable_targets", columns: ["key", "body"], keyCount: 1)
    static let scalingPolicies = StoreTable(name: "scaling_policies", columns: ["arn", "body"], keyCount: 1)
    static let scheduledActions = StoreTable(name: "scheduled_actions", columns: ["arn", "body"], keyCount: 1)
    static let capacityProviders = StoreTable(name: "capacity_providers", columns: ["name", "body"], keyCount: 1)

    /// Every table, in the order a store reads them.
    static let all: [StoreTable] = [
        clusters, taskDefinitions, families, accountSettings, instances, tasks, services, activations, accessKeys,
        parameters, secrets, runTaskTokens, loadBalancers, targetGroups, listeners, listenerRules, namespaces,
        discoveryServices, cloudMapOperations, alarms, scalableTargets, scalingPolicies, scheduledActions,
        capacityProviders,
    ]

    /// Rows a statement carries at most.
    static let rowsPerStatement = 400

    /// The key columns.
    var keyColumns: ArraySlice<String> { columns.prefix(keyCount) }
}
