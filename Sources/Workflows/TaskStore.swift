import Core
import Foundation
import Scheduling
import Store

public struct ScheduledTask: Sendable, Equatable {
    public var id: String
    public var workflow: String
    /// A 5-field cron expression or shorthand; nil for a one-time task.
    public var schedule: String?
    /// For a one-time task: when (ISO-8601).
    public var at: String?
    public var timezone: String
    public var enabled: Bool
    /// What to do about runs missed while the server was down: `skip` or `run_once`.
    public var missed: String
    public var lastRun: String?
    public var nextRun: String?
    public var created: String

    public var json: JSONValue {
        ["id": .string(id), "workflow": .string(workflow), "schedule": JSONValue(schedule), "at": JSONValue(at), "timezone": .string(timezone),
         "enabled": .bool(enabled), "missed": .string(missed), "lastRun": JSONValue(lastRun), "nextRun": JSONValue(nextRun), "created": .string(created)]
    }
}

/// Tasks: a cron expression (or one instant) in an IANA zone, tied to a workflow. Their next run is computed here;
/// firing them is the scheduler's job (#7).
public final class TaskStore: Sendable {
    public static let migrations: [Migration] = [
        Migration(11, "tasks", """
            CREATE TABLE tasks (
                id TEXT PRIMARY KEY,
                workflow TEXT NOT NULL REFERENCES workflows(slug) ON DELETE CASCADE,
                schedule TEXT,
                at TEXT,
                timezone TEXT NOT NULL DEFAULT 'UTC',
                enabled INTEGER NOT NULL DEFAULT 1,
                missed TEXT NOT NULL DEFAULT 'skip' CHECK (missed IN ('skip', 'run_once')),
                last_run TEXT,
                next_run TEXT,
                created TEXT NOT NULL
            );
            CREATE INDEX tasks_due ON tasks(enabled, next_run);
            """),
    ]

    let db: Database
    public init(db: Database) { self.db = db }

    public func all(workflow: String? = nil) throws -> [ScheduledTask] {
        try db.read { try $0.query("SELECT * FROM tasks WHERE (? IS NULL OR workflow = ?) ORDER BY created", [workflow, workflow]).map(TaskStore.task) }
    }

    public func get(_ id: String) throws -> ScheduledTask? {
        try db.read { try $0.queryOne("SELECT * FROM tasks WHERE id = ?", [id]).map(TaskStore.task) }
    }

    /// Validates and stores a task; answers the error a user can act on (with the cron error's position).
    public func create(_ v: JSONValue, now: Date = Date()) throws -> ScheduledTask {
        guard let workflow = v["workflow"]?.string,
              try db.read({ try $0.queryOne("SELECT slug FROM workflows WHERE slug = ?", [workflow]) }) != nil else {
            throw WorkflowStore.Invalid(status: 400, description: "Field 'workflow' must name an existing workflow.")
        }
        let zone = v["timezone"]?.string ?? "UTC"
        guard TimeZone(identifier: zone) != nil else {
            throw WorkflowStore.Invalid(status: 400, description: "'\(zone)' is not an IANA time zone (e.g. Europe/Zurich).")
        }
        let missed = v["missed"]?.string ?? "skip"
        guard missed == "skip" || missed == "run_once" else { throw WorkflowStore.Invalid(status: 400, description: "Field 'missed' must be skip or run_once.") }
        let schedule = v["schedule"]?.string, at = v["at"]?.string
        guard (schedule == nil) != (at == nil) else {
            throw WorkflowStore.Invalid(status: 400, description: "Give either 'schedule' (a cron expression) or 'at' (one ISO-8601 instant).")
        }
        let next = try TaskStore.nextRun(schedule: schedule, at: at, zone: zone, after: now)
        let id = UUID().uuidString.lowercased()
        try db.write { try $0.execute("""
            INSERT INTO tasks(id, workflow, schedule, at, timezone, enabled, missed, next_run, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [id, workflow, schedule, at, zone, v["enabled"]?.bool ?? true, missed, next.map(TaskStore.iso), Clock.iso8601Now()]) }
        return try get(id)!
    }

    public func setEnabled(_ id: String, _ enabled: Bool, now: Date = Date()) throws -> ScheduledTask? {
        guard let t = try get(id) else { return nil }
        let next = enabled ? try TaskStore.nextRun(schedule: t.schedule, at: t.at, zone: t.timezone, after: now).map(TaskStore.iso) : nil
        try db.write { try $0.execute("UPDATE tasks SET enabled = ?, next_run = ? WHERE id = ?", [enabled, next, id]) }
        return try get(id)
    }

    public func delete(_ id: String) throws -> Bool {
        try db.write { try $0.execute("DELETE FROM tasks WHERE id = ?", [id]) > 0 }
    }

    /// The next `count` run times of a task.
    public func preview(_ t: ScheduledTask, count: Int, after: Date = Date()) throws -> [String] {
        guard let s = t.schedule else { return t.at.map { [$0] } ?? [] }
        return try CronExpression(s).preview(after: after, in: TimeZone(identifier: t.timezone)!, count: count).map(TaskStore.iso)
    }

    static func nextRun(schedule: String?, at: String?, zone: String, after: Date) throws -> Date? {
        if let schedule {
            do { return try CronExpression(schedule).next(after: after, in: TimeZone(identifier: zone)!) } catch {
                throw WorkflowStore.Invalid(status: 400, description: "Invalid schedule '\(schedule)' \(error.description).")
            }
        }
        guard let at, let date = ISO8601DateFormatter().date(from: at) else {
            throw WorkflowStore.Invalid(status: 400, description: "Field 'at' must be an ISO-8601 instant such as 2026-12-01T08:00:00Z.")
        }
        return date > after ? date : nil
    }

    static func iso(_ d: Date) -> String { ISO8601DateFormatter().string(from: d) }

    static func task(_ r: Row) -> ScheduledTask {
        ScheduledTask(id: r["id"].string ?? "", workflow: r["workflow"].string ?? "", schedule: r["schedule"].string, at: r["at"].string,
                      timezone: r["timezone"].string ?? "UTC", enabled: r["enabled"].bool ?? true, missed: r["missed"].string ?? "skip",
                      lastRun: r["last_run"].string, nextRun: r["next_run"].string, created: r["created"].string ?? "")
    }
}
