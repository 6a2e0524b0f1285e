import Core

/// `read` and `write` for async code: the blocking SQLite work runs on the database's own threads (as GRDB's
/// `DatabasePool` does), so a request handler awaits it instead of holding a thread of Swift's cooperative pool.
/// Named apart from `read`/`write` on purpose: an async overload of the same name would be preferred in every async
/// caller.
extension Database {
    /// Runs `body` in one read transaction on a reader connection, on a reader thread.
    public func asyncRead<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            readThreads.submit { cont.resume(with: Result { try self.read(body) }) }
        }
    }

    /// Runs `body` in an immediate transaction on the writer, on the writer's thread, in submission order.
    @discardableResult
    public func asyncWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            writeThread.submit { cont.resume(with: Result { try self.write(body) }) }
        }
    }

    /// Runs store calls that write (`ServiceStore.update`, …: each takes the writer itself) on the writer's thread,
    /// in submission order, so an async caller never waits for the writer's lock on a cooperative thread. For SQL
    /// work only: file I/O and other slow work go to `Blocking.run`, or they would hold up every other write.
    @discardableResult
    public func asyncWriting<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            writeThread.submit { cont.resume(with: Result { try body() }) }
        }
    }

    /// Runs store calls that only read (`ServiceStore.find`, …), which take reader connections themselves, on a reader
    /// thread: for stores whose methods own their SQL.
    public func asyncReading<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            readThreads.submit { cont.resume(with: Result { try body() }) }
        }
    }
}
