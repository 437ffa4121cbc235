/// Cloud Map's records: namespaces, services with their instances, and the latest operations.
public struct CloudMap: Sendable {
    private var namespaces: [String: NamespaceRecord] = [:]
    private var services: [String: DiscoveryServiceRecord] = [:]
    /// Each namespace's services, by name.
    private var servicesByName: [String: [String: String]] = [:]
    private var operations: [String: CloudMapOperationRecord] = [:]
    /// Counts the changes made since the state was loaded: what Wharf's DNS answers changed when it did.
    public private(set) var revision = 0

    /// The most operations kept: the oldest go first.
    public static let operationLimit = 10_000

    /// Nothing.
    public init() {}

    /// The namespace with this ID.
    public func namespace(_ id: String) -> NamespaceRecord? { namespaces[id] }

    /// Every namespace, by name.
    public var allNamespaces: [NamespaceRecord] { namespaces.values.sorted { ($0.name, $0.id) < ($1.name, $1.id) } }

    /// The service with this ID.
    public func service(_ id: String) -> DiscoveryServiceRecord? { services[id] }

    /// The service named `name` in the namespace.
    public func service(named name: String, in namespaceID: String) -> DiscoveryServiceRecord? {
        servicesByName[namespaceID]?[name.lowercased()].flatMap { services[$0] }
    }

    /// A namespace's services, by name.
    public func services(in namespaceID: String) -> [DiscoveryServiceRecord] {
        (servicesByName[namespaceID] ?? [:]).values.compactMap { services[$0] }.sorted { $0.name < $1.name }
    }

    /// Every service, by name.
    public var allServices: [DiscoveryServiceRecord] { services.values.sorted { ($0.name, $0.id) < ($1.name, $1.id) } }

    /// The operation with this ID.
    public func operation(_ id: String) -> CloudMapOperationRecord? { operations[id] }

    /// Every operation kept, oldest first.
    public var allOperations: [CloudMapOperationRecord] {
        operations.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    @discardableResult
    mutating func put(_ record: NamespaceRecord) -> NamespaceRecord? {
        revision += 1
        return namespaces.updateValue(record, forKey: record.id)
    }

    @discardableResult
    mutating func removeNamespace(_ id: String) -> NamespaceRecord? {
        revision += 1
        return namespaces.removeValue(forKey: id)
    }

    @discardableResult
    mutating func put(_ record: DiscoveryServiceRecord) -> DiscoveryServiceRecord? {
        revision += 1
        let old = services.updateValue(record, forKey: record.id)
        if let old { servicesByName[old.namespaceID]?[old.name.lowercased()] = nil }
        servicesByName[record.namespaceID, default: [:]][record.name.lowercased()] = record.id
        return old
    }

    @discardableResult
    mutating func removeService(_ id: String) -> DiscoveryServiceRecord? {
        revision += 1
        guard let old = services.removeValue(forKey: id) else { return nil }
        servicesByName[old.namespaceID]?[old.name.lowercased()] = nil
        return old
    }

    @discardableResult
    mutating func put(_ record: CloudMapOperationRecord) -> CloudMapOperationRecord? {
        operations.updateValue(record, forKey: record.id)
    }

    @discardableResult
    mutating func removeOperation(_ id: String) -> CloudMapOperationRecord? {
        operations.removeValue(forKey: id)
    }
}
