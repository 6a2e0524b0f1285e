import Core
import Foundation
import Store

/// One execution of a workflow.
public struct RunRecord: Sendable, Equatable {
    public var id: String
    public var workflow: String
    public var cause: String  // event | task | manual
    public var eventID: String?
    public var taskID: String?
    public var scheduledFor: String?
    public var rerunOf: String?
    public var input: JSONValue
    public var status: RunStatus
    public var attempts: Int
    public var created: String
    public var started: String?
    public var finished: String?
    public var error: String?
    public var report: String?

    public var json: JSONValue {
        ["id": .string(id), "workflow": .string(workflow), "cause": .string(cause), "eventId": JSONValue(eventID), "taskId": JSONValue(taskID),
         "scheduledFor": JSONValue(scheduledFor), "rerunOf": JSONValue(rerunOf), "input": input, "status": .string(status.rawValue),
         "attempts": JSONValue(attempts), "created": .string(created), "started": JSONValue(started), "finished": JSONValue(finished),
         "error": JSONValue(error), "report": JSONValue(report)]
    }

    public var isFinished: Bool { status.isFinished }
}

/// Runs in SQLite: the durable queue. A run is stored (with its event) in the same transaction that accepts its cause,
/// so an acknowledged event or fired task is never lost; executing it is the run queue's job (Events module).
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
        Migration(13, "run_queue_and_steps", """
            ALTER TABLE runs ADD COLUMN task_id TEXT;
            ALTER TABLE runs ADD COLUMN scheduled_for TEXT;
            ALTER TABLE runs ADD COLUMN rerun_of TEXT;
            ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE runs ADD COLUMN not_before TEXT;
            ALTER TABLE runs ADD COLUMN lease_owner TEXT;
            ALTER TABLE runs ADD COLUMN lease_until TEXT;
            ALTER TABLE runs ADD COLUMN report TEXT;
            CREATE INDEX runs_created ON runs(created);
            CREATE TABLE run_steps (
                run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                tool TEXT NOT NULL,
                input TEXT NOT NULL,
                output TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
                retryable INTEGER NOT NULL DEFAULT 0,
                started TEXT NOT NULL,
                ms INTEGER NOT NULL,
                PRIMARY KEY (run_id, seq)
            );
            """),
    ]

    /// Public so that request handlers can await its calls on the database's threads (`asyncReading`/`asyncWriting`).
    public let db: Database
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
                // A task's run may hold the key too; it has no event.
                return Accepted(runID: try row.text("id"), eventID: try row.optionalText("event_id") ?? "", duplicate: true)
            }
            let eventID = UUID().uuidString.lowercased(), now = Clock.iso8601Now()
            try conn.execute("INSERT INTO service_events(id, service_id, event, payload, received) VALUES (?, ?, ?, ?, ?)",
                             [eventID, serviceID, event, payload.text, now])
            let runID = try RunStore.insert(conn, workflow: workflow, cause: "event", input: ["event": .string(event), "payload": payload],
                                            eventID: eventID, idempotencyKey: idempotencyKey)
            return Accepted(runID: runID, eventID: eventID, duplicate: false)
        }
    }

    /// Queues a run started by hand (the API, the CLI, a re-run).
    public func enqueue(workflow: String, input: JSONValue, rerunOf: String? = nil) throws -> RunRecord {
        let id = try db.write { try RunStore.insert($0, workflow: workflow, cause: "manual", input: input, rerunOf: rerunOf) }
        return try get(id)!
    }

    /// Inserts a queued run inside the caller's transaction; answers its id.
    static func insert(_ conn: any SQLConnection, workflow: String, cause: String, input: JSONValue, eventID: String? = nil, taskID: String? = nil,
                       scheduledFor: String? = nil, rerunOf: String? = nil, idempotencyKey: String? = nil) throws -> String {
        let id = UUID().uuidString.lowercased()
        try conn.execute("""
            INSERT INTO runs(id, workflow, cause, event_id, task_id, scheduled_for, rerun_of, input, idempotency_key, created)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [id, workflow, cause, eventID, taskID, scheduledFor, rerunOf, input.text, idempotencyKey, Clock.iso8601Now()])
        return id
    }

    public struct Filter: Sendable {
        public var workflow: String?
        public var status: RunStatus?
        public var task: String?
        /// Created at or after / before these instants (ISO-8601).
        public var since: String?
        public var until: String?
        public var limit: Int = 100
        public init() {}
    }

    public func list(_ f: Filter) throws -> [RunRecord] {
        try db.read { try $0.query("""
            SELECT * FROM runs WHERE (?1 IS NULL OR workflow = ?1) AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR task_id = ?3)
              AND (?4 IS NULL OR created >= ?4) AND (?5 IS NULL OR created < ?5)
            ORDER BY created DESC LIMIT ?6
            """, [f.workflow, f.status?.rawValue, f.task, f.since, f.until, max(1, min(f.limit, 1000))]).map(RunStore.run) }
    }

    public func get(_ id: String) throws -> RunRecord? {
        try db.read { try $0.queryOne("SELECT * FROM runs WHERE id = ?", [id]).map(RunStore.run) }
    }

    /// Cancels a queued or running run; answers nil when there is no such run, the run as it stands otherwise.
    public func cancel(_ id: String) throws -> RunRecord? {
        try db.write { try $0.execute("""
            UPDATE runs SET status = 'cancelled', finished = ?, error = 'Cancelled by a user.', lease_owner = NULL, lease_until = NULL
            WHERE id = ? AND status IN ('queued', 'running')
            """, [Clock.iso8601Now(), id]) }
        return try get(id)
    }

    /// Decodes a `runs` row; a missing column or an unknown status is an error, not a default.
    static func run(_ r: Row) throws -> RunRecord {
        RunRecord(id: try r.text("id"), workflow: try r.text("workflow"), cause: try r.text("cause"), eventID: try r.optionalText("event_id"),
                  taskID: try r.optionalText("task_id"), scheduledFor: try r.optionalText("scheduled_for"), rerunOf: try r.optionalText("rerun_of"),
                  input: JSONValue.parse(try r.text("input")) ?? .null, status: try r.decode("status"), attempts: try r.int("attempts"),
                  created: try r.text("created"), started: try r.optionalText("started"), finished: try r.optionalText("finished"),
                  error: try r.optionalText("error"), report: try r.optionalText("report"))
    }
}
