import CPostgres
import Foundation

/// One PostgreSQL connection through libpq, with a prepared-statement cache. Not thread-safe: `Database` serializes
/// access. Values come back as SQLite's storage classes, so one row reader serves both backends.
public final class PostgresConnection: SQLConnection {
    public var dialect: SQLDialect { .postgres }
    private let handle: OpaquePointer
    private let address: PostgresAddress
    /// Statement text and parameter types → the name it was prepared under on this connection.
    private var prepared: [String: String] = [:]
    private var nextName = 0

    public init(_ address: PostgresAddress) throws {
        self.address = address
        guard let c = PQconnectdb(address.conninfo) else { throw StoreError.open(path: address.redacted, message: "out of memory") }
        guard PQstatus(c) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(c)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(c)
            throw StoreError.open(path: address.redacted, message: "\(message). Check that PostgreSQL is running and the URL's user, password and database are right")
        }
        handle = c
        try configureSession()
    }

    /// What every session of ours starts with, after a reset too.
    private func configureSession() throws {
        // NOTICEs ("relation already exists, skipping") would go to stderr; warnings and errors still come back.
        try exec("SET client_min_messages = warning")
        if let schema = address.schema { try exec("SET search_path TO \"\(schema)\"") }
    }

    deinit { PQfinish(handle) }

    /// The notifications (`LISTEN`) that arrived, waiting up to `timeout` seconds for the first. Throws when the
    /// connection is lost: a listener then connects again.
    func notifications(timeout: Double) throws -> [(channel: String, payload: String)] {
        var out: [(String, String)] = []
        func drain() {
            while let n = PQnotifies(handle) {
                out.append((String(cString: n.pointee.relname), String(cString: n.pointee.extra)))
                PQfreemem(n)
            }
        }
        drain()
        guard out.isEmpty else { return out }
        var fds = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard fds.fd >= 0 else { throw connectionError("LISTEN") }
        let ready = poll(&fds, 1, Int32(timeout * 1000))
        if ready < 0 && errno != EINTR { throw connectionError("LISTEN") }
        if ready > 0 {
            guard PQconsumeInput(handle) == 1 else { throw connectionError("LISTEN") }
            drain()
        }
        return out
    }

    public func exec(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    @discardableResult
    public func execute(_ sql: String, _ args: [any SQLBindable]) throws -> Int {
        let result = try run(sql, args)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    public func query(_ sql: String, _ args: [any SQLBindable]) throws -> [Row] {
        let result = try run(sql, args)
        defer { PQclear(result) }
        let fields = Int(PQnfields(result)), count = Int(PQntuples(result))
        let columns = (0..<fields).map { String(cString: PQfname(result, Int32($0))) }
        let types = (0..<fields).map { PQftype(result, Int32($0)) }
        var rows: [Row] = []
        rows.reserveCapacity(count)
        for r in 0..<Int32(count) {
            rows.append(Row(columns: columns, values: (0..<fields).map { Self.value(result, r, Int32($0), types[$0]) }))
        }
        return rows
    }

    public func begin(_ kind: TransactionKind) throws {
        // SERIALIZABLE makes concurrent writers (this replica's and the others') behave as if one ran after the other,
        // as SQLite's single writer does; a conflict rolls back with 40001 and `Database.write` runs the body again.
        switch kind {
        case .write: try exec("BEGIN ISOLATION LEVEL SERIALIZABLE")
        case .claim: try exec("BEGIN ISOLATION LEVEL READ COMMITTED")
        case .read: try exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        }
    }

    public func commit() throws { try exec("COMMIT") }
    public func rollback() { _ = try? exec("ROLLBACK") }

    // MARK: statements

    private func run(_ sql: String, _ args: [any SQLBindable]) throws -> OpaquePointer {
        let values = args.map(\.sqlValue)
        let types = values.map(Self.type)
        let key = types.map(String.init).joined(separator: ",") + "|" + sql
        let name = try statement(key, sql, types, count: values.count)
        // Text for everything but bytes, which go as binary: no escaping, no encoding.
        var owned: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        defer { owned.forEach { free($0) } }
        for v in values {
            switch v {
            case .null: owned.append(nil); lengths.append(0); formats.append(0)
            case .integer(let n): owned.append(strdup(String(n))); lengths.append(0); formats.append(0)
            case .real(let d): owned.append(strdup(Self.text(d))); lengths.append(0); formats.append(0)
            case .text(let s): owned.append(strdup(s)); lengths.append(0); formats.append(0)
            case .blob(let b):
                let p = malloc(max(1, b.count))!.assumingMemoryBound(to: CChar.self)
                b.withUnsafeBytes { if let base = $0.baseAddress { memcpy(p, base, b.count) } }
                owned.append(p); lengths.append(Int32(b.count)); formats.append(1)
            }
        }
        let pointers = owned.map { UnsafePointer($0) }
        let result = pointers.withUnsafeBufferPointer { vp in
            lengths.withUnsafeBufferPointer { lp in
                formats.withUnsafeBufferPointer { fp in
                    PQexecPrepared(handle, name, Int32(values.count), vp.baseAddress, lp.baseAddress, fp.baseAddress, 0)
                }
            }
        }
        do {
            try check(result, sql)
        } catch {
            PQclear(result)
            throw error
        }
        return result!
    }

    private func statement(_ key: String, _ sql: String, _ types: [Oid], count: Int) throws -> String {
        if let name = prepared[key] { return name }
        let (text, expected) = PostgresParameters.numbered(sql)
        guard expected == count else {
            throw StoreError.postgres(state: "08P01", message: "statement takes \(expected) parameters, got \(count)", sql: sql)
        }
        if prepared.count >= 512 {
            try exec("DEALLOCATE ALL")
            prepared.removeAll()
        }
        nextName += 1
        let name = "op\(nextName)"
        // A parameter whose type nothing around it tells (`?1 IS NULL OR …`) is taken as text, as SQLite would. Trying
        // first with every type inferred costs nothing once cached; in a transaction the failed try is undone by a
        // savepoint, or it would abort the transaction.
        let inTransaction = PQtransactionStatus(handle) == PQTRANS_INTRANS
        if inTransaction { try exec("SAVEPOINT op_prepare") }
        do {
            try prepare(name, text, types, sql)
        } catch StoreError.postgres(let state, _, _) where state == "42P08" {
            if inTransaction { try exec("ROLLBACK TO SAVEPOINT op_prepare") }
            try prepare(name, text, types.map { $0 == 0 ? 25 : $0 }, sql)
        }
        if inTransaction { try exec("RELEASE SAVEPOINT op_prepare") }
        prepared[key] = name
        return name
    }

    private func prepare(_ name: String, _ text: String, _ types: [Oid], _ sql: String) throws {
        let result = types.withUnsafeBufferPointer { PQprepare(handle, name, text, Int32(types.count), $0.baseAddress) }
        defer { PQclear(result) }
        try check(result, sql)
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws {
        guard let result else { throw connectionError(sql) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return
        default:
            if PQstatus(handle) != CONNECTION_OK { throw connectionError(sql) }
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? "XX000"
            let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
                ?? String(cString: PQresultErrorMessage(result))
            throw Self.error(state, message, sql)
        }
    }

    /// The same kinds SQLite's errors map to, so callers catch one `StoreError.constraint`, whatever the backend.
    private static func error(_ state: String, _ message: String, _ sql: String) -> StoreError {
        if state.hasPrefix("23") { return .constraint(message: message) }
        if state == "40001" || state == "40P01" { return .conflict(message: message) }
        if state == "55P03" { return .busy(message: message) }
        return .postgres(state: state, message: message, sql: sql)
    }

    /// The server went away: the connection is reset (prepared statements are gone with it) for the next call.
    private func connectionError(_ sql: String) -> StoreError {
        let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        PQreset(handle)
        prepared.removeAll()
        if PQstatus(handle) == CONNECTION_OK { _ = try? configureSession() }
        return StoreError.unavailable(message: "\(message.isEmpty ? "connection lost" : message) (in: \(sql.prefix(80)))")
    }

    // MARK: values

    /// The parameter's type: known for numbers and bytes; text and NULL are left for the server to infer from where
    /// they are used (a column, a comparison), as SQLite's affinity would.
    private static func type(_ v: SQLValue) -> Oid {
        switch v {
        case .integer: 20       // int8
        case .real: 701         // float8
        case .blob: 17          // bytea
        case .text, .null: 0
        }
    }

    private static func text(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        return "\(d)"
    }

    private static func value(_ result: OpaquePointer, _ row: Int32, _ column: Int32, _ type: Oid) -> SQLValue {
        if PQgetisnull(result, row, column) == 1 { return .null }
        let raw = PQgetvalue(result, row, column)!
        switch type {
        case 16: // bool
            return .integer(raw.pointee == CChar(UInt8(ascii: "t")) ? 1 : 0)
        case 20, 21, 23, 26: // int8, int2, int4, oid
            return .integer(Int64(String(cString: raw)) ?? 0)
        case 700, 701: // float4, float8
            return .real(Double(String(cString: raw)) ?? 0)
        case 1700: // numeric (SUM of integers): whole numbers stay integers, as in SQLite
            let s = String(cString: raw)
            if let n = Int64(s) { return .integer(n) }
            return .real(Double(s) ?? 0)
        case 17: // bytea, in hex text form
            var length = 0
            guard let bytes = PQunescapeBytea(UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), &length) else { return .blob([]) }
            defer { PQfreemem(bytes) }
            return .blob(Array(UnsafeBufferPointer(start: bytes, count: length)))
        default:
            return .text(String(cString: raw))
        }
    }
}
