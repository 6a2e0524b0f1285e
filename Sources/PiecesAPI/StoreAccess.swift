import Core
import Store

/// Where the Pieces handlers run their SQLite work: never on Swift's cooperative pool, which every request needs.
/// Store calls that only read go to the database's reader threads; store calls that write (each takes the writer
/// itself) go to the writer's thread, in submission order. A block holds SQL work only: file reads and other slow
/// work go to `Blocking.run`, or they would hold up every other write.
extension PiecesStore {
    func reading<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await db.asyncReading(body)
    }

    @discardableResult
    func writing<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await db.asyncWriting(body)
    }
}

extension PiecesAPI {
    /// Runs calls of this API that only read (`rankedSnippets`, `searchConversations`, …) on a reader thread, for async
    /// callers in other modules (the MCP tools).
    public func reading<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await store.reading(body)
    }

    /// Runs calls of this API that write (`saveSnippet`, …) on the writer's thread, for async callers in other modules.
    public func writing<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await store.writing(body)
    }
}
