import Core
import Foundation
import Store

public struct ServiceRecord: Sendable, Equatable {
    public var id: String
    public var slug: String
    public var title: String
    public var description: String
    public var kind: String
    public var status: ServiceStatus
    /// What to restore after a restart.
    public var desired: DesiredState
    public var workflow: String?
    public var secrets: [String]
    public var hosts: [String]
    public var currentVersion: Int
    public var runningVersion: Int?
    public var port: Int?
    public var pid: Int?
    /// Why it is not running, as decided (stored typed in `stop_reason`); nil while it runs.
    public var stopReason: StopReason?
    public var token: String
    public var created: String
    public var updated: String

    /// Why it is not running, as shown to people (the API's `reason`).
    public var reason: String? { stopReason?.text }

    init(id: String, slug: String, title: String, description: String, kind: String, status: ServiceStatus, desired: DesiredState,
         workflow: String?, secrets: [String], hosts: [String], currentVersion: Int, runningVersion: Int?, port: Int?, pid: Int?,
         reason: StopReason?, token: String, created: String, updated: String) {
        self.id = id
        self.slug = slug
        self.title = title
        self.description = description
        self.kind = kind
        self.status = status
        self.desired = desired
        self.workflow = workflow
        self.secrets = secrets
        self.hosts = hosts
        self.currentVersion = currentVersion
        self.runningVersion = runningVersion
        self.port = port
        self.pid = pid
        self.stopReason = reason
        self.token = token
        self.created = created
        self.updated = updated
    }
}

public struct EndpointRecord: Sendable, Equatable {
    public var id: String
    public var serviceID: String
    public var method: String
    public var path: String
    public var description: String
    public var inputSchema: JSONValue?
    /// What a successful answer looks like (JSON Schema), checked in test runs.
    public var outputSchema: JSONValue?
    public var source: String  // manifest | api

    public init(id: String, serviceID: String, method: String, path: String, description: String, inputSchema: JSONValue?,
                outputSchema: JSONValue? = nil, source: String) {
        self.id = id
        self.serviceID = serviceID
        self.method = method
        self.path = path
        self.description = description
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
        self.source = source
    }
}

/// Service records, versions and endpoints in SQLite.
public final class ServiceStore: Sendable {
    public static let migrations: [Migration] = [
        Migration(20, "endpoint_output_schema", "ALTER TABLE endpoints ADD COLUMN output_schema TEXT;"),
        Migration(5, "services", """
            CREATE TABLE services (
                id TEXT PRIMARY KEY,
                slug TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                desired TEXT NOT NULL DEFAULT 'stopped',
                workflow TEXT,
                secrets TEXT NOT NULL DEFAULT '[]',
                hosts TEXT NOT NULL DEFAULT '[]',
                current_version INTEGER NOT NULL DEFAULT 0,
                running_version INTEGER,
                port INTEGER,
                pid INTEGER,
                reason TEXT,
                token TEXT NOT NULL,
                created TEXT NOT NULL,
                updated TEXT NOT NULL
            );
            CREATE TABLE service_versions (
                service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
                version INTEGER NOT NULL,
                created TEXT NOT NULL,
                PRIMARY KEY (service_id, version)
            );
            CREATE TABLE endpoints (
                id TEXT PRIMARY KEY,
                service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
                method TEXT NOT NULL,
                path TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                input_schema TEXT,
                source TEXT NOT NULL DEFAULT 'manifest',
                UNIQUE (service_id, method, path)
            );
            """),
        Migration(6, "service_events", """
            CREATE TABLE service_events (
                id TEXT PRIMARY KEY,
                service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
                event TEXT NOT NULL,
                payload TEXT NOT NULL,
                received TEXT NOT NULL
            );
            CREATE INDEX service_events_service ON service_events(service_id, received);
            """),
        // What produced each version (see VersionSource); versions deployed before this say 'unknown'.
        Migration(17, "service_version_sources", """
            ALTER TABLE service_versions ADD COLUMN source TEXT NOT NULL DEFAULT 'unknown';
            ALTER TABLE service_versions ADD COLUMN source_id TEXT;
            ALTER TABLE service_versions ADD COLUMN session_id TEXT;
            """),
        // PostgreSQL databases start after prose reasons were gone: there is nothing to convert.
        Migration(29, "service_stop_reason") { d in d == .sqlite ? stopReasonMigration : "ALTER TABLE services ADD COLUMN stop_reason TEXT;" },
    ]

    /// The reason as a value (`StopReason.json`) beside its text in `reason`, which stays for people reading the
    /// database. Rows from before read their prose back into the kind that wrote it; prose no kind wrote becomes
    /// `launchFailed` with the text as its message, so the API still shows it word for word.
    static let stopReasonMigration = """
        ALTER TABLE services ADD COLUMN stop_reason TEXT;
        UPDATE services SET stop_reason = CASE
            WHEN reason GLOB 'missing secrets: *. Set them with *'
                 AND NOT substr(reason, 18, instr(reason, '. Set them with ') - 18) GLOB '*[^A-Za-z0-9_, ]*'
                THEN json_object('kind', 'missingSecrets', 'secrets',
                                 json('["' || replace(substr(reason, 18, instr(reason, '. Set them with ') - 18), ', ', '","') || '"]'))
            WHEN reason GLOB 'crashed [0-9]* times in a row (*). Last output:' || char(10) || '*'
                THEN json_object('kind', 'crashed', 'times', CAST(substr(reason, 9) AS INTEGER),
                                 'exit', substr(reason, instr(reason, ' (') + 2, instr(reason, '). Last output:') - instr(reason, ' (') - 2),
                                 'lastOutput', json(\(lastLines)))
            WHEN reason GLOB 'GET /health did not answer 200 within [0-9]* s. Last output:' || char(10) || '*'
                THEN json_object('kind', 'notReady', 'seconds', CAST(substr(reason, 39) AS INTEGER), 'lastOutput', json(\(lastLines)))
            WHEN reason GLOB 'restarting after *' THEN json_object('kind', 'restarting', 'after', substr(reason, 18))
            WHEN reason GLOB 'no free port in [0-9]*...[0-9]*' AND NOT substr(reason, 17) GLOB '*[^0-9.]*'
                THEN json_object('kind', 'noFreePort', 'lower', CAST(substr(reason, 17) AS INTEGER),
                                 'upper', CAST(substr(reason, instr(reason, '...') + 3) AS INTEGER))
            WHEN reason GLOB 'memory limit exceeded: *' THEN json_object('kind', 'limitExceeded', 'limit', 'memory', 'text', reason)
            WHEN reason GLOB 'CPU limit exceeded: *' THEN json_object('kind', 'limitExceeded', 'limit', 'cpu', 'text', reason)
            WHEN reason GLOB 'open files limit reached: *' THEN json_object('kind', 'limitExceeded', 'limit', 'openFiles', 'text', reason)
            WHEN reason GLOB 'process limit exceeded: *' THEN json_object('kind', 'limitExceeded', 'limit', 'processes', 'text', reason)
            WHEN reason GLOB 'data size limit exceeded: *' THEN json_object('kind', 'limitExceeded', 'limit', 'dataSize', 'text', reason)
            ELSE json_object('kind', 'launchFailed', 'message', reason)
        END WHERE reason IS NOT NULL;
        """

    /// The lines after "Last output:\n" in `reason`, as a JSON list (split on newlines by a recursive query).
    private static let lastLines = """
        (WITH RECURSIVE split(n, line, rest) AS (
            SELECT 0, NULL, substr(reason, instr(reason, 'Last output:') + 13) || char(10)
            UNION ALL
            SELECT n + 1, substr(rest, 1, instr(rest, char(10)) - 1), substr(rest, instr(rest, char(10)) + 1) FROM split WHERE rest <> '')
         SELECT json_group_array(line) FROM (SELECT line FROM split WHERE n > 0 ORDER BY n))
        """

    /// Public so that request handlers can await its calls on the database's threads (`asyncReading`/`asyncWriting`).
    public let db: Database
    private let observers = Locked<[@Sendable (Change) -> Void]>([])

    public init(db: Database) { self.db = db }

    /// A service row as committed: its slug before the write (nil for a new one) and the record after (nil once deleted).
    public struct Change: Sendable {
        public let slugBefore: String?
        public let record: ServiceRecord?
    }

    /// Called after every committed write to a service row, in commit order, while the writer is held: it must be
    /// quick and not use the database (the reverse proxy's mirror, `LiveServices`, follows it).
    public func onChange(_ handler: @escaping @Sendable (Change) -> Void) { observers.withLock { $0.append(handler) } }

    /// Hands `load` every record, then `handler` every write after them: both under the writer, so no write falls
    /// between the two or reaches `handler` before `load`.
    public func follow(load: ([ServiceRecord]) -> Void, then handler: @escaping @Sendable (Change) -> Void) throws {
        try db.write { conn in
            load(try conn.query("SELECT * FROM services").map(ServiceStore.record))
            onChange(handler)
        }
    }

    /// Writes a service row and tells the observers what it is now.
    private func write(_ id: String, _ body: (any SQLConnection) throws -> Void) throws {
        _ = try db.write({ conn -> Change in
            let before = try conn.queryOne("SELECT slug FROM services WHERE id = ?", [id])?["slug"].string
            try body(conn)
            return Change(slugBefore: before, record: try conn.queryOne("SELECT * FROM services WHERE id = ?", [id]).map(ServiceStore.record))
        }, afterCommit: { change in
            for h in observers.withLock({ $0 }) { h(change) }
        })
    }

    /// Runs store calls that read (`find`, `all`, `endpoints`, …) on the database's reader threads, for async callers
    /// such as request handlers: they await SQLite instead of blocking a thread of the cooperative pool.
    public func reading<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await db.asyncReading(body)
    }

    public func all() throws -> [ServiceRecord] {
        try db.read { try $0.query("SELECT * FROM services ORDER BY slug").map(ServiceStore.record) }
    }

    public func find(_ slugOrID: String) throws -> ServiceRecord? {
        try db.read { try $0.queryOne("SELECT * FROM services WHERE slug = ? OR id = ?", [slugOrID, slugOrID]).map(ServiceStore.record) }
    }

    func insert(_ r: ServiceRecord) throws {
        try write(r.id) { conn in
            try conn.execute("""
                INSERT INTO services(id, slug, title, description, kind, status, desired, workflow, secrets, hosts, current_version, token, created, updated)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [r.id, r.slug, r.title, r.description, r.kind, r.status.rawValue, r.desired.rawValue, r.workflow,
                      JSONValue.array(r.secrets.map { .string($0) }).text, JSONValue.array(r.hosts.map { .string($0) }).text,
                      r.currentVersion, r.token, r.created, r.updated])
        }
    }

    /// Applies a manifest: metadata, and the manifest's endpoints replace the previous manifest-sourced ones.
    /// `source` is recorded for a new version only: a rollback re-applies an old one and keeps its source.
    func apply(_ m: Manifest, to id: String, version: Int, source: VersionSource = .upload) throws {
        let now = Clock.iso8601Now()
        try write(id) { conn in
            try conn.execute("""
                UPDATE services SET title = COALESCE(NULLIF(?, ''), title), description = ?, kind = ?, workflow = ?, secrets = ?, hosts = ?,
                    current_version = ?, updated = ? WHERE id = ?
                """, [m.title, m.description, m.kind, m.workflow, JSONValue.array(m.secrets.map { .string($0) }).text,
                      JSONValue.array(m.hosts.map { .string($0) }).text, version, now, id])
            let origin = source.columns
            try conn.execute("INSERT INTO service_versions(service_id, version, created, source, source_id, session_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                             [id, version, now, origin.kind, origin.id, origin.session])
            // An endpoint keeps its id while its method and path stay: workflows and tools that name it survive a redeploy.
            let kept = Set(m.endpoints.map { "\($0.method) \($0.path)" })
            for old in try conn.query("SELECT id, method, path FROM endpoints WHERE service_id = ? AND source = 'manifest'", [id]) {
                let method = try old.text("method"), path = try old.text("path"), oldID = try old.text("id")
                if !kept.contains("\(method) \(path)") { try conn.execute("DELETE FROM endpoints WHERE id = ?", [oldID]) }
            }
            for e in m.endpoints {
                try conn.execute("""
                    INSERT INTO endpoints(id, service_id, method, path, description, input_schema, output_schema, source) VALUES (?, ?, ?, ?, ?, ?, ?, 'manifest')
                    ON CONFLICT(service_id, method, path) DO UPDATE SET description = excluded.description, input_schema = excluded.input_schema,
                        output_schema = excluded.output_schema, source = 'manifest'
                    """, [UUID().uuidString.lowercased(), id, e.method, e.path, e.description, e.inputSchema?.text, e.outputSchema?.text])
            }
        }
    }

    /// Applies `changes` (and `updated`) in one statement; a later change of the same column wins.
    func update(_ id: String, _ changes: [ServiceChange]) throws {
        guard !changes.isEmpty else { return }
        var columns: [(name: String, value: SQLValue)] = []
        for (name, value) in changes.flatMap(\.columns) {
            if let i = columns.firstIndex(where: { $0.name == name }) { columns[i].value = value } else { columns.append((name, value)) }
        }
        let sets = columns.map { "\($0.name) = ?" }.joined(separator: ", ")
        let args: [any SQLBindable] = columns.map(\.value) + [SQLValue.text(Clock.iso8601Now()), .text(id)]
        try write(id) { _ = try $0.execute("UPDATE services SET \(sets), updated = ? WHERE id = ?", args) }
    }

    func delete(_ id: String) throws {
        try write(id) { _ = try $0.execute("DELETE FROM services WHERE id = ?", [id]) }
    }

    public func versions(_ id: String) throws -> [Int] {
        try db.read { try $0.query("SELECT version FROM service_versions WHERE service_id = ? ORDER BY version", [id]).map { try $0.int("version") } }
    }

    /// Every version with when it was deployed and what produced it, oldest first.
    public func versionRecords(_ id: String) throws -> [VersionRecord] {
        try db.read { try $0.query("SELECT * FROM service_versions WHERE service_id = ? ORDER BY version", [id]).map { r in
            VersionRecord(version: try r.int("version"), created: try r.text("created"),
                          source: VersionSource(kind: try r.text("source"), id: try r.optionalText("source_id"), session: try r.optionalText("session_id")))
        } }
    }

    public func endpoints(_ serviceID: String) throws -> [EndpointRecord] {
        try db.read { try $0.query("SELECT * FROM endpoints WHERE service_id = ? ORDER BY path, method", [serviceID]).map(ServiceStore.endpoint) }
    }

    public func endpoint(_ id: String) throws -> EndpointRecord? {
        try db.read { try $0.queryOne("SELECT * FROM endpoints WHERE id = ?", [id]).map(ServiceStore.endpoint) }
    }

    public func addEndpoint(_ e: EndpointRecord) throws {
        try db.write { try $0.execute("""
            INSERT INTO endpoints(id, service_id, method, path, description, input_schema, source) VALUES (?, ?, ?, ?, ?, ?, 'api')
            """, [e.id, e.serviceID, e.method, e.path, e.description, e.inputSchema?.text]) }
    }

    /// Services that need `secret`.
    public func needing(_ secret: String) throws -> [ServiceRecord] {
        try all().filter { $0.secrets.contains(secret) }
    }

    /// Decodes a `services` row; a missing column or an unknown status is an error, not a default.
    static func record(_ r: Row) throws -> ServiceRecord {
        func list(_ column: String) throws -> [String] {
            let text = try r.text(column)
            guard let items = JSONValue.parse(text)?.array else { throw StoreError.column(name: column, message: "holds '\(text.prefix(80))', not a JSON list") }
            return items.compactMap(\.string)
        }
        return ServiceRecord(id: try r.text("id"), slug: try r.text("slug"), title: try r.text("title"),
                             description: try r.text("description"), kind: try r.text("kind"),
                             status: try r.decode("status"), desired: try r.decode("desired"),
                             workflow: try r.optionalText("workflow"), secrets: try list("secrets"), hosts: try list("hosts"),
                             currentVersion: try r.int("current_version"), runningVersion: try r.optionalInt("running_version"),
                             port: try r.optionalInt("port"), pid: try r.optionalInt("pid"), reason: try stopReason(r),
                             token: try r.text("token"), created: try r.text("created"), updated: try r.text("updated"))
    }

    /// The typed reason; a value no `StopReason` reads is an error. The `reason` text is not read: it is derived.
    static func stopReason(_ r: Row) throws -> StopReason? {
        guard let text = try r.optionalText("stop_reason") else { return nil }
        guard let json = JSONValue.parse(text), let reason = StopReason(json: json) else {
            throw StoreError.column(name: "stop_reason", message: "holds '\(text.prefix(80))', not a known StopReason")
        }
        return reason
    }

    static func endpoint(_ r: Row) throws -> EndpointRecord {
        EndpointRecord(id: try r.text("id"), serviceID: try r.text("service_id"), method: try r.text("method"),
                       path: try r.text("path"), description: try r.text("description"),
                       inputSchema: try r.optionalText("input_schema").flatMap { JSONValue.parse($0) },
                       outputSchema: try r.optionalText("output_schema").flatMap { JSONValue.parse($0) }, source: try r.text("source"))
    }
}

/// One change to a service's row, by meaning; only `ServiceStore` knows the columns.
public enum ServiceChange: Sendable, Equatable {
    case status(ServiceStatus)
    case desired(DesiredState)
    /// Why it is not running; nil clears it.
    case reason(StopReason?)
    /// The process it runs as and its port; nil for none.
    case process(pid: Int?, port: Int?)
    case runningVersion(Int)

    /// No process and no port: it is down.
    public static let down = ServiceChange.process(pid: nil, port: nil)

    var columns: [(String, SQLValue)] {
        switch self {
        case .status(let s): [("status", .text(s.rawValue))]
        case .desired(let d): [("desired", .text(d.rawValue))]
        case .reason(let r): [("reason", r.map { SQLValue.text($0.text) } ?? .null), ("stop_reason", r.map { SQLValue.text($0.json.text) } ?? .null)]
        case .process(let pid, let port): [("pid", pid.sqlValue), ("port", port.sqlValue)]
        case .runningVersion(let v): [("running_version", v.sqlValue)]
        }
    }
}
