import WharfModel

/// The ECSError `body` throws; nil when it succeeds (or throws something else).
func ecsRefusal<T>(_ body: () async throws -> T) async -> ECSError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error as? ECSError
    }
}
