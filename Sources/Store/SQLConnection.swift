/// One connection to the database, SQLite or PostgreSQL. Not thread-safe: `Database` hands each to one thread at a time.
/// Statements use `?` (or `?N`) parameters on both backends.
public protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs statements without parameters (migration scripts).
    func exec(_ sql: String) throws
    /// Runs one statement; returns the number of rows changed.
    @discardableResult
    func execute(_ sql: String, _ args: [any SQLBindable]) throws -> Int
    func query(_ sql: String, _ args: [any SQLBindable]) throws -> [Row]
    /// Starts the transaction a `Database.read` or `Database.write` runs in.
    func begin(_ kind: TransactionKind) throws
    func commit() throws
    func rollback()
}

public enum TransactionKind: Sendable {
    /// A consistent snapshot, no writes.
    case read
    /// Serialized with every other write (SQLite's one writer; PostgreSQL's SERIALIZABLE, retried on conflict).
    case write
    /// Taking rows off a queue (`Database.claim`): SQLite's one writer; PostgreSQL's READ COMMITTED, where
    /// `SKIP LOCKED` lets replicas take different rows at once instead of conflicting.
    case claim
}

extension SQLConnection {
    @discardableResult
    public func execute(_ sql: String) throws -> Int { try execute(sql, []) }
    public func query(_ sql: String) throws -> [Row] { try query(sql, []) }
    public func queryOne(_ sql: String, _ args: [any SQLBindable] = []) throws -> Row? { try query(sql, args).first }
}
