import Core
import CSQLite
import Foundation
import Synchronization

/// The database: one writer and a few readers on one SQLite file in WAL mode.
/// Writes are serialized and durable once `write` returns (synchronous=FULL): a `kill -9` loses none.
public final class Database: Sendable {
    public let path: String
    private let writer: Guarded
    private let readers: [Guarded]
    private let nextReader = Atomic<Int>(0)
    /// Threads for `asyncRead` (one per reader connection) and `asyncWrite` (one: writes are serialized anyway).
    let readThreads: ThreadPool
    let writeThread: ThreadPool

    /// Refuses a list of migrations whose versions or names clash (see `MigrationRegistry`) before touching the file.
    public init(path: String, migrations: [Migration], readers readerCount: Int = 4) throws {
        let checked = try MigrationRegistry(migrations).migrations
        self.path = path
        let w = try SQLiteConnection(path: path, readOnly: false)
        try w.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        let mode = try w.queryOne("PRAGMA journal_mode")?[0].string
        guard mode == "wal" else { throw StoreError.open(path: path, message: "WAL mode is not available (got \(mode ?? "?"))") }
        try Database.migrate(w, checked)
        writer = Guarded(w)
        var rs: [Guarded] = []
        for _ in 0..<max(1, readerCount) {
            let r = try SQLiteConnection(path: path, readOnly: true)
            try r.exec("PRAGMA foreign_keys=ON; PRAGMA query_only=ON;")
            rs.append(Guarded(r))
        }
        readers = rs
        readThreads = ThreadPool(name: "db-read", maxThreads: rs.count)
        writeThread = ThreadPool(name: "db-write", maxThreads: 1)
    }

    /// Runs `body` in an immediate transaction on the writer; commits if it returns, rolls back if it throws.
    @discardableResult
    public func write<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try write(body, afterCommit: { _ in })
    }

    /// Like `write`; `afterCommit` gets the result once it is committed, still holding the writer, so observers of a
    /// table (an in-memory mirror) hear its writes in commit order. It must be quick and must not use the database.
    @discardableResult
    public func write<T: Sendable>(_ body: (SQLiteConnection) throws -> T, afterCommit: (T) -> Void) throws -> T {
        try writer.lock.withLock { db in
            try db.exec("BEGIN IMMEDIATE")
            let result: T
            do {
                result = try body(db)
                try db.exec("COMMIT")
            } catch {
                try? db.exec("ROLLBACK")
                throw error
            }
            afterCommit(result)
            return result
        }
    }

    /// Runs `body` on a reader connection in one read transaction (a consistent snapshot).
    public func read<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let i = nextReader.add(1, ordering: .relaxed).newValue % readers.count
        return try readers[i].lock.withLock { db in
            try db.exec("BEGIN")
            defer { try? db.exec("COMMIT") }
            return try body(db)
        }
    }

    /// The schema version the database is at.
    public func schemaVersion() throws -> Int {
        try read { try $0.queryOne("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")?["v"].int ?? 0 }
    }

    private static func migrate(_ db: SQLiteConnection, _ migrations: [Migration]) throws {
        try db.exec("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
            )
            """)
        let current = try db.queryOne("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")?["v"].int ?? 0
        let known = migrations.map(\.version).max() ?? 0
        if current > known { throw StoreError.newerSchema(found: current, known: known) }
        for m in migrations.sorted(by: { $0.version < $1.version }) where m.version > current {
            do {
                try db.exec("BEGIN IMMEDIATE")
                try db.exec(m.sql)
                try db.execute("INSERT INTO schema_migrations(version, name) VALUES (?, ?)", [m.version, m.name])
                try db.exec("COMMIT")
            } catch {
                try? db.exec("ROLLBACK")
                throw StoreError.migrationFailed(version: m.version, name: m.name, message: String(describing: error))
            }
        }
    }
}

/// A connection behind its own lock: only one thread uses a SQLite connection at a time.
final class Guarded: Sendable {
    let lock: Locked<SQLiteConnection>
    init(_ c: sending SQLiteConnection) { lock = Locked(c) }
}
