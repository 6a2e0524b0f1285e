import Core
import Foundation
import Store

public struct ServiceRecord: Sendable, Equatable {
    public var id: String
    public var slug: String
    public var title: String
    public var description: String
    public var kind: String
    public var status: String       // stopped | deploying | running | crashed | archived
    public var desired: String      // running | stopped: what to restore after a restart
    public var workflow: String?
    public var secrets: [String]
    public var hosts: [String]
    public var currentVersion: Int
    public var runningVersion: Int?
    public var port: Int?
    public var pid: Int?
    public var reason: String?
    public var token: String
    public var created: String
    public var updated: String
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
    ]

    let db: Database
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
    private func write(_ id: String, _ body: (SQLiteConnection) throws -> Void) throws {
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
                """, [r.id, r.slug, r.title, r.description, r.kind, r.status, r.desired, r.workflow,
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
            try conn.execute("INSERT OR IGNORE INTO service_versions(service_id, version, created, source, source_id, session_id) VALUES (?, ?, ?, ?, ?, ?)",
                             [id, version, now, origin.kind, origin.id, origin.session])
            // An endpoint keeps its id while its method and path stay: workflows and tools that name it survive a redeploy.
            let kept = Set(m.endpoints.map { "\($0.method) \($0.path)" })
            for old in try conn.query("SELECT id, method, path FROM endpoints WHERE service_id = ? AND source = 'manifest'", [id]) {
                guard let method = old["method"].string, let path = old["path"].string, let oldID = old["id"].string else { continue }
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

    func update(_ id: String, _ changes: [String: any SQLBindable]) throws {
        guard !changes.isEmpty else { return }
        let keys = changes.keys.sorted()
        let sets = keys.map { "\($0) = ?" }.joined(separator: ", ")
        try write(id) { try $0.execute("UPDATE services SET \(sets), updated = ? WHERE id = ?", keys.map { changes[$0]! } + [Clock.iso8601Now(), id]) }
    }

    func delete(_ id: String) throws {
        try write(id) { _ = try $0.execute("DELETE FROM services WHERE id = ?", [id]) }
    }

    public func versions(_ id: String) throws -> [Int] {
        try db.read { try $0.query("SELECT version FROM service_versions WHERE service_id = ? ORDER BY version", [id]).compactMap { $0["version"].int } }
    }

    /// Every version with when it was deployed and what produced it, oldest first.
    public func versionRecords(_ id: String) throws -> [VersionRecord] {
        try db.read { try $0.query("SELECT * FROM service_versions WHERE service_id = ? ORDER BY version", [id]).map { r in
            VersionRecord(version: r["version"].int ?? 0, created: r["created"].string ?? "",
                          source: VersionSource(kind: r["source"].string, id: r["source_id"].string, session: r["session_id"].string))
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

    static func record(_ r: Row) -> ServiceRecord {
        func list(_ s: String?) -> [String] { JSONValue.parse(s ?? "[]")?.array?.compactMap(\.string) ?? [] }
        return ServiceRecord(id: r["id"].string ?? "", slug: r["slug"].string ?? "", title: r["title"].string ?? "",
                             description: r["description"].string ?? "", kind: r["kind"].string ?? "action",
                             status: r["status"].string ?? "stopped", desired: r["desired"].string ?? "stopped",
                             workflow: r["workflow"].string, secrets: list(r["secrets"].string), hosts: list(r["hosts"].string),
                             currentVersion: r["current_version"].int ?? 0, runningVersion: r["running_version"].int,
                             port: r["port"].int, pid: r["pid"].int, reason: r["reason"].string, token: r["token"].string ?? "",
                             created: r["created"].string ?? "", updated: r["updated"].string ?? "")
    }

    static func endpoint(_ r: Row) -> EndpointRecord {
        EndpointRecord(id: r["id"].string ?? "", serviceID: r["service_id"].string ?? "", method: r["method"].string ?? "GET",
                       path: r["path"].string ?? "/", description: r["description"].string ?? "",
                       inputSchema: r["input_schema"].string.flatMap { JSONValue.parse($0) },
                       outputSchema: r["output_schema"].string.flatMap { JSONValue.parse($0) }, source: r["source"].string ?? "manifest")
    }
}
