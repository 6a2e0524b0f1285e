/// Runs `body`, answering nil if it is still running after `seconds` (it is cancelled then): the budget of an
/// agent's turn or a workflow run.
public func withTimeLimit<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
