import CSQLite

extension Database {
    /// Writes a consistent copy of a SQLite store to `path` while it stays in use (SQLite's online backup API, on a
    /// connection of its own: writers are not held up, and the copy is the database as of one moment).
    public func snapshot(to path: String) throws {
        guard case .sqlite(let source) = location else {
            throw StoreError.open(path: location.description, message: "only a SQLite store is copied page by page; use StoreCopy for PostgreSQL")
        }
        var from: OpaquePointer?, to: OpaquePointer?
        defer { sqlite3_close_v2(from); sqlite3_close_v2(to) }
        guard sqlite3_open_v2(source, &from, SQLITE_OPEN_READONLY, nil) == SQLITE_OK,
              sqlite3_open_v2(path, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK else {
            throw StoreError.open(path: path, message: String(cString: sqlite3_errmsg(to ?? from)))
        }
        guard let backup = sqlite3_backup_init(to, "main", from, "main") else {
            throw StoreError.open(path: path, message: String(cString: sqlite3_errmsg(to)))
        }
        // All pages in one step: the copy is one read transaction on the source, so it is one moment of it.
        let rc = sqlite3_backup_step(backup, -1)
        sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE else {
            throw StoreError.sql(code: rc, message: String(cString: sqlite3_errstr(rc)), sql: "backup of \(source)")
        }
        // The snapshot is a plain file: no WAL beside it.
        _ = sqlite3_exec(to, "PRAGMA journal_mode=DELETE", nil, nil, nil)
    }
}
