/// The `dependsOn` edges between the containers of one task definition.
struct DependencyGraph {
    private let edges: [String: [String]]
    private let order: [String]

    init(_ containers: [ECS.ContainerDefinition]) {
        order = containers.compactMap(\.name)
        var edges: [String: [String]] = [:]
        for container in containers {
            edges[container.name ?? ""] = (container.dependsOn ?? []).compactMap(\.containerName)
        }
        self.edges = edges
    }

    /// A dependency cycle as a path of container names (first name repeated at the end), if any.
    func cycle() -> [String]? {
        var state: [String: Bool] = [:]  // false: on the current path, true: finished
        var path: [String] = []
        func visit(_ name: String) -> [String]? {
            if let done = state[name] {
                guard !done, let start = path.firstIndex(of: name) else { return nil }
                return Array(path[start...]) + [name]
            }
            state[name] = false
            path.append(name)
            for next in edges[name] ?? [] {
                if let found = visit(next) { return found }
            }
            path.removeLast()
            state[name] = true
            return nil
        }
        for name in order {
            if let found = visit(name) { return found }
        }
        return nil
    }
}
