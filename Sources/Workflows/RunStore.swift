import Core
import Foundation
import Store

/// Runs: one execution of a workflow each, queued durably the moment its cause is accepted.
/// (Executing them — the Events agent and its lease-based queue — comes with the rest of #7.)
public final class RunStore: Sendable {
    public static let migrations: [Migration] = [
        Migration(12, "runs", """
            CREATE TABLE runs (
                id TEXT PRIMARY KEY,
                workflow TEXT NOT NULL,
                cause TEXT NOT NULL CHECK (cause IN ('event', 'task', 'manual')),
                event_id TEXT,
                input TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                idempotency_key TEXT,
                created TEXT NOT NULL,
                started TEXT,
                finished TEXT,
                error TEXT,
                UNIQUE (workflow, idempotency_key)
            );
            CREATE INDEX runs_status ON runs(status, created);
            CREATE INDEX runs_workflow ON runs(workflow, created);
            """),
    ]

    let db: Database
    public init(db: Database) { self.db = db }

    public struct Accepted: Sendable {
        public var runID: String
        public var eventID: String
        public var duplicate: Bool
    }

    /// Stores a trigger's event and queues its run in one transaction. A repeated idempotency key returns the first run.
    public func acceptEvent(serviceID: String, workflow: String, event: String, payload: JSONValue, idempotencyKey: String?) throws -> Accepted {
        try db.write { conn in
            if let key = idempotencyKey,
               let row = try conn.queryOne("SELECT id, event_id FROM runs WHERE workflow = ? AND idempotency_key = ?", [workflow, key]) {
                return Accepted(runID: row["id"].string ?? "", eventID: row["event_id"].string ?? "", duplicate: true)
            }
            let eventID = UUID().uuidString.lowercased(), runID = UUID().uuidString.lowercased(), now = Clock.iso8601Now()
            try conn.execute("INSERT INTO service_events(id, service_id, event, payload, received) VALUES (?, ?, ?, ?, ?)",
                             [eventID, serviceID, event, payload.text, now])
            try conn.execute("""
                INSERT INTO runs(id, workflow, cause, event_id, input, idempotency_key, created) VALUES (?, ?, 'event', ?, ?, ?, ?)
                """, [runID, workflow, eventID, JSONValue.object(["event": .string(event), "payload": payload]).text, idempotencyKey, now])
            return Accepted(runID: runID, eventID: eventID, duplicate: false)
        }
    }

    public func list(workflow: String?, status: String?, limit: Int = 100) throws -> [JSONValue] {
        try db.read { try $0.query("""
            SELECT * FROM runs WHERE (? IS NULL OR workflow = ?) AND (? IS NULL OR status = ?) ORDER BY created DESC LIMIT ?
            """, [workflow, workflow, status, status, max(1, min(limit, 1000))]).map(RunStore.json) }
    }

    public func get(_ id: String) throws -> JSONValue? {
        try db.read { try $0.queryOne("SELECT * FROM runs WHERE id = ?", [id]).map(RunStore.json) }
    }

    static func json(_ r: Row) -> JSONValue {
        ["id": JSONValue(r["id"].string), "workflow": JSONValue(r["workflow"].string), "cause": JSONValue(r["cause"].string),
         "eventId": JSONValue(r["event_id"].string), "input": JSONValue.parse(r["input"].string ?? "null") ?? .null,
         "status": JSONValue(r["status"].string), "created": JSONValue(r["created"].string), "started": JSONValue(r["started"].string),
         "finished": JSONValue(r["finished"].string), "error": JSONValue(r["error"].string)]
    }
}
