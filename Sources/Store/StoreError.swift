/// Storage failures, each saying what went wrong and what to do.
public enum StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    case open(path: String, message: String)
    case sql(code: Int32, message: String, sql: String)
    case constraint(message: String)
    case busy(message: String)
    case newerSchema(found: Int, known: Int)
    case migrationFailed(version: Int, name: String, message: String)
    /// A row lacks a column its reader needs, or holds a value of the wrong kind there: a query and its reader disagree.
    case column(name: String, message: String)
    /// Two migrations claim one version or one name (a build error caught at start-up).
    case duplicateMigration(what: String, first: String, second: String, nextFree: Int)
    case invalidMigration(version: Int, name: String, origin: String)
    /// A PostgreSQL error, by its SQLSTATE.
    case postgres(state: String, message: String, sql: String)
    /// Two concurrent transactions could not both commit as if one ran after the other (PostgreSQL 40001/40P01);
    /// `Database.write` runs the body again.
    case conflict(message: String)
    /// The database server is unreachable or the connection dropped; the next call reconnects.
    case unavailable(message: String)

    public var description: String {
        switch self {
        case .open(let path, let m):
            "cannot open the database at \(path): \(m). Check that the data directory exists and is writable (--home or OPENPIECES_HOME)."
        case .sql(let code, let m, let sql):
            "SQLite error \(code): \(m) (in: \(sql.prefix(120)))"
        case .constraint(let m):
            "constraint violated: \(m)"
        case .busy(let m):
            "the database stayed locked: \(m). Another process may be using the same data directory."
        case .newerSchema(let found, let known):
            "the database has schema version \(found) but this openpieces knows only up to \(known). Upgrade openpieces, or point --home at another data directory."
        case .migrationFailed(let v, let n, let m):
            "migration \(v) (\(n)) failed: \(m). No migration of this start was kept: the database is as it was."
        case .column(let name, let m):
            "column '\(name)' \(m). The query and the code that reads its rows disagree: this is a bug, please report it."
        case .duplicateMigration(let what, let first, let second, let next):
            "two migrations claim \(what): \(first) and \(second). Give the newer one an unused version (\(next) is free) and its own name; never renumber a released one."
        case .invalidMigration(let v, let n, let origin):
            "migration '\(n)' in \(origin) has version \(v); versions start at 1."
        case .postgres(let state, let m, let sql):
            "PostgreSQL error \(state): \(m) (in: \(sql.prefix(120)))"
        case .conflict(let m):
            "a concurrent write conflicted and retries ran out: \(m). Try again."
        case .unavailable(let m):
            "the database server is unavailable: \(m). Check that PostgreSQL is running and reachable; openpieces reconnects on the next request."
        }
    }
}
