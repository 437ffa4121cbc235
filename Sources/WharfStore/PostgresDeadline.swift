/// A time limit on PostgreSQL work: PostgresNIO's pool waits for a connection as long as it takes
/// (it keeps retrying a server that is down), so every operation of the stores races a timer.
enum PostgresDeadline {
    private enum Outcome<T: Sendable>: Sendable {
        case done(T)
        case late
    }

    /// `body`'s result, or ``StoreError`` (`code`) when it takes longer than `limit`; `body` is
    /// cancelled then.
    static func run<T: Sendable>(
        _ limit: Duration,
        _ code: StoreError.Code,
        _ what: @autoclosure () -> String,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = try await withThrowingTaskGroup(of: Outcome<T>.self) { group in
            group.addTask { .done(try await body()) }
            group.addTask {
                try await Task.sleep(for: limit)
                return .late
            }
            defer { group.cancelAll() }
            return try await group.next() ?? .late
        }
        switch outcome {
        case .done(let value): return value
        case .late: throw StoreError(code, "PostgreSQL did not answer within \(limit) (\(what()))")
        }
    }
}
