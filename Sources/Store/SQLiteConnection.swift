import CSQLite
import Foundation

private let SQLITE_TRANSIENT_PTR = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection with a prepared-statement cache. Not thread-safe: `Database` serializes access.
public final class SQLiteConnection: SQLConnection {
    public var dialect: SQLDialect { .sqlite }
    let handle: OpaquePointer
    private var cache: [String: OpaquePointer] = [:]
    public let path: String
    private let busyWait = SQLiteBusyWait()

    init(path: String, readOnly: Bool) throws {
        self.path = path
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError.open(path: path, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        busyWait.install(on: db)
    }

    deinit {
        for (_, stmt) in cache { sqlite3_finalize(stmt) }
        sqlite3_close_v2(handle)
    }

    /// Runs statements without parameters (pragmas, migration scripts).
    public func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(err)
            throw error(rc, message, sql)
        }
    }

    /// Runs one statement; returns the number of rows changed.
    @discardableResult
    public func execute(_ sql: String, _ args: [any SQLBindable]) throws -> Int {
        let stmt = try prepare(sql, args)
        defer { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            if rc != SQLITE_ROW { throw error(rc, String(cString: sqlite3_errmsg(handle)), sql) }
        }
        return Int(sqlite3_changes(handle))
    }

    public func query(_ sql: String, _ args: [any SQLBindable]) throws -> [Row] {
        let stmt = try prepare(sql, args)
        defer { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }
        let count = Int(sqlite3_column_count(stmt))
        let columns = (0..<count).map { String(cString: sqlite3_column_name(stmt, Int32($0))) }
        var rows: [Row] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error(rc, String(cString: sqlite3_errmsg(handle)), sql) }
            rows.append(Row(columns: columns, values: (0..<count).map { column(stmt, Int32($0)) }))
        }
        return rows
    }

    public func begin(_ kind: TransactionKind) throws {
        // IMMEDIATE takes the write lock up front, so a write never fails half-way on a lock upgrade.
        try exec(kind == .read ? "BEGIN" : "BEGIN IMMEDIATE")
    }

    public func commit() throws { try exec("COMMIT") }
    public func rollback() { try? exec("ROLLBACK") }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    private func prepare(_ sql: String, _ args: [any SQLBindable]) throws -> OpaquePointer {
        let stmt: OpaquePointer
        if let cached = cache[sql] {
            stmt = cached
        } else {
            var s: OpaquePointer?
            let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil)
            guard rc == SQLITE_OK, let s else { throw error(rc, String(cString: sqlite3_errmsg(handle)), sql) }
            if cache.count >= 256 {
                for (_, old) in cache { sqlite3_finalize(old) }
                cache.removeAll()
            }
            cache[sql] = s
            stmt = s
        }
        let expected = Int(sqlite3_bind_parameter_count(stmt))
        guard expected == args.count else {
            throw StoreError.sql(code: SQLITE_RANGE, message: "statement takes \(expected) parameters, got \(args.count)", sql: sql)
        }
        for (i, arg) in args.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch arg.sqlValue {
            case .null: rc = sqlite3_bind_null(stmt, index)
            case .integer(let v): rc = sqlite3_bind_int64(stmt, index, v)
            case .real(let v): rc = sqlite3_bind_double(stmt, index, v)
            case .text(let v): rc = sqlite3_bind_text(stmt, index, v, -1, SQLITE_TRANSIENT_PTR)
            case .blob(let v):
                rc = v.withUnsafeBytes { sqlite3_bind_blob(stmt, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count), SQLITE_TRANSIENT_PTR) }
            }
            if rc != SQLITE_OK { throw error(rc, String(cString: sqlite3_errmsg(handle)), sql) }
        }
        return stmt
    }

    private func column(_ stmt: OpaquePointer, _ i: Int32) -> SQLValue {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, i))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(stmt, i)))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }

    private func error(_ rc: Int32, _ message: String, _ sql: String) -> StoreError {
        switch rc & 0xFF {
        case SQLITE_CONSTRAINT: .constraint(message: message)
        case SQLITE_BUSY, SQLITE_LOCKED: .busy(message: message)
        default: .sql(code: rc, message: message, sql: sql)
        }
    }
}
