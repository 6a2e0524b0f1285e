import Core
import Foundation
import Synchronization

/// The database: one writer connection and a few readers, on a SQLite file in WAL mode or on a PostgreSQL server.
/// Writes are serialized and durable once `write` returns (SQLite synchronous=FULL; PostgreSQL's commit): a `kill -9`
/// loses none.
public final class Database: Sendable {
    public let location: DatabaseLocation
    public var dialect: SQLDialect { location.dialect }
    /// Several processes (replicas) may use this store at once: true on PostgreSQL. A SQLite file belongs to the one
    /// server holding its data directory's lock, so what an earlier process held (leases) is void at start-up.
    public var isShared: Bool { dialect == .postgres }
    /// How often the queues of a shared store look for work other replicas added (their doorbells do not ring here).
    public static let sharedPoll: TimeInterval = 0.5
    private let writer: Guarded
    private let readers: [Guarded]
    private let nextReader = Atomic<Int>(0)
    /// Threads for `asyncRead` (one per reader connection) and `asyncWrite` (one: writes are serialized anyway).
    let readThreads: ThreadPool
    let writeThread: ThreadPool

    /// A SQLite file.
    public convenience init(path: String, migrations: [Migration], readers readerCount: Int = 4) throws {
        try self.init(location: .sqlite(path: path), migrations: migrations, readers: readerCount)
    }

    /// Refuses a list of migrations whose versions or names clash (see `MigrationRegistry`) before touching the database.
    public init(location: DatabaseLocation, migrations: [Migration], readers readerCount: Int = 4) throws {
        let checked = try MigrationRegistry(migrations).migrations
        self.location = location
        let w: any SQLConnection
        var rs: [Guarded] = []
        switch location {
        case .sqlite(let path):
            let c = try SQLiteConnection(path: path, readOnly: false)
            try c.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
            let mode = try c.queryOne("PRAGMA journal_mode")?[0].string
            guard mode == "wal" else { throw StoreError.open(path: path, message: "WAL mode is not available (got \(mode ?? "?"))") }
            try Database.migrate(c, checked)
            w = c
            for _ in 0..<max(1, readerCount) {
                let r = try SQLiteConnection(path: path, readOnly: true)
                try r.exec("PRAGMA foreign_keys=ON; PRAGMA query_only=ON;")
                rs.append(Guarded(r))
            }
        case .postgres(let address):
            if let schema = address.schema {
                // The schema must exist before a connection can use it as its search path.
                let bare = try PostgresAddress(address.conninfo)
                do {
                    try PostgresConnection(bare).exec("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"")
                } catch StoreError.constraint {
                    // Another replica created it at the same moment (IF NOT EXISTS does not cover that race).
                }
            }
            let c = try PostgresConnection(address)
            try PostgresMigrationLock.holding(c) { try Database.migrate(c, checked) }
            w = c
            // Readers connect on first use: a replica that mostly writes (or a short CLI command) holds one
            // connection, not five, and start-up does not wait for connections it may never need.
            for _ in 0..<max(1, readerCount) { rs.append(Guarded { try PostgresConnection(address) }) }
        }
        writer = Guarded(w)
        readers = rs
        readThreads = ThreadPool(name: "db-read", maxThreads: rs.count)
        writeThread = ThreadPool(name: "db-write", maxThreads: 1)
    }

    /// Runs `body` in a write transaction on the writer; commits if it returns, rolls back if it throws.
    /// On PostgreSQL a conflict with another replica's write rolls back and runs `body` again, so `body` must only
    /// touch the database (as it must already: SQLite rolls it back on a throw).
    @discardableResult
    public func write<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try write(body, afterCommit: { _ in })
    }

    /// Like `write`; `afterCommit` gets the result once it is committed, still holding the writer, so observers of a
    /// table (an in-memory mirror) hear its writes in commit order. It must be quick and must not use the database.
    @discardableResult
    public func write<T: Sendable>(_ body: (any SQLConnection) throws -> T, afterCommit: (T) -> Void) throws -> T {
        try transaction(.write, body, afterCommit: afterCommit)
    }

    /// Takes rows off a queue: `body` selects them with `dialect.skipLocked` and marks them taken. On PostgreSQL it
    /// runs at READ COMMITTED, so replicas claiming at once each get different rows, none waits, none conflicts.
    @discardableResult
    public func claim<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try transaction(.claim, body, afterCommit: { _ in })
    }

    private func transaction<T: Sendable>(_ kind: TransactionKind, _ body: (any SQLConnection) throws -> T, afterCommit: (T) -> Void) throws -> T {
        try writer.withConnection { db in
            var attempt = 0
            while true {
                try db.begin(kind)
                let result: T
                do {
                    result = try body(db)
                    try db.commit()
                } catch StoreError.conflict(let message) {
                    db.rollback()
                    attempt += 1
                    guard attempt < Database.conflictRetries else { throw StoreError.conflict(message: message) }
                    // Jittered, growing pause so the replicas that collided do not collide again.
                    usleep(UInt32.random(in: 1_000...(2_000 * UInt32(min(attempt, 50)))))
                    continue
                } catch {
                    db.rollback()
                    throw error
                }
                afterCommit(result)
                return result
            }
        }
    }

    static let conflictRetries = 30

    /// Runs `body` on a reader connection in one read transaction (a consistent snapshot).
    public func read<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T {
        let i = nextReader.add(1, ordering: .relaxed).newValue % readers.count
        return try readers[i].withConnection { db in
            try db.begin(.read)
            defer { db.rollback() }
            return try body(db)
        }
    }

    /// The schema version the database is at.
    public func schemaVersion() throws -> Int {
        try read { try $0.queryOne("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")?["v"].int ?? 0 }
    }

    /// Applies the missing migrations in one write transaction: all of them or none. The version is read inside
    /// it, so another process opening the same database at the same moment has either applied them already or waits.
    private static func migrate(_ db: any SQLConnection, _ migrations: [Migration]) throws {
        try db.exec("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (\(db.dialect.now))
            )
            """)
        let known = migrations.map(\.version).max() ?? 0
        try db.begin(.write)
        var applying: Migration?
        do {
            let current = try db.queryOne("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")?["v"].int ?? 0
            if current > known { throw StoreError.newerSchema(found: current, known: known) }
            for m in migrations.sorted(by: { $0.version < $1.version }) where m.version > current {
                applying = m
                try db.exec(m.sql(db.dialect))
                try db.execute("INSERT INTO schema_migrations(version, name) VALUES (?, ?)", [m.version, m.name])
            }
            applying = nil
            try db.commit()
        } catch {
            db.rollback()
            guard let m = applying else { throw error }
            throw StoreError.migrationFailed(version: m.version, name: m.name, message: String(describing: error))
        }
    }
}

/// Replicas starting together migrate one at a time: the first applies what is missing, the others then find
/// nothing to do. A session-level advisory lock per schema (installations sharing a server do not wait for each
/// other), released when migration ends or the connection drops.
enum PostgresMigrationLock {
    static let key: Int = 0x6F70  // "op"

    static func holding(_ c: PostgresConnection, _ body: () throws -> Void) throws {
        try c.execute("SELECT pg_advisory_lock(CAST(? AS INTEGER), hashtext(current_schema()))", [key])
        defer { _ = try? c.execute("SELECT pg_advisory_unlock(CAST(? AS INTEGER), hashtext(current_schema()))", [key]) }
        try body()
    }
}

/// A connection behind its own lock: only one thread uses a connection at a time. Opened at once, or on first use
/// (a failed open is tried again on the next use).
final class Guarded: Sendable {
    private let lock: Locked<(any SQLConnection)?>
    private let open: @Sendable () throws -> any SQLConnection

    init(_ c: sending any SQLConnection) {
        lock = Locked(c)
        open = { preconditionFailure("an open connection is never reopened") }
    }

    init(opening open: @escaping @Sendable () throws -> any SQLConnection) {
        lock = Locked(nil)
        self.open = open
    }

    func withConnection<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try lock.withLock { c in
            if c == nil { c = try open() }
            return try body(c!)
        }
    }
}
