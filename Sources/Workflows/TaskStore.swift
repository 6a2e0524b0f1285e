import Core
import Foundation
import Scheduling
import Store
import Synchronization

public struct ScheduledTask: Sendable, Equatable {
    public var id: String
    public var workflow: String
    /// A 5-field cron expression or shorthand; nil for a one-time task.
    public var schedule: String?
    /// For a one-time task: when (ISO-8601).
    public var at: String?
    public var timezone: String
    public var enabled: Bool
    /// What to do about runs missed while the server was down.
    public var missed: MissedPolicy
    public var lastRun: String?
    public var nextRun: String?
    public var created: String

    public var json: JSONValue {
        ["id": .string(id), "workflow": .string(workflow), "schedule": JSONValue(schedule), "at": JSONValue(at), "timezone": .string(timezone),
         "enabled": .bool(enabled), "missed": .string(missed.rawValue), "lastRun": JSONValue(lastRun), "nextRun": JSONValue(nextRun), "created": .string(created),
         "description": .string(schedule.map { CronExpression.describe($0) + " (\(timezone))" } ?? "once at \(at ?? "")")]
    }
}

/// Tasks: a cron expression (or one instant) in an IANA zone, tied to a workflow. Their next run is computed here,
/// and `fireDue` turns due tasks into queued runs; the scheduler (Events module) decides when to call it.
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
        // Instants are stored with milliseconds (Clock.iso8601) so that they compare as strings with run times.
        Migration(14, "task_instants_ms", """
            UPDATE tasks SET next_run = substr(next_run, 1, 19) || '.000Z' WHERE length(next_run) = 20;
            UPDATE tasks SET last_run = substr(last_run, 1, 19) || '.000Z' WHERE length(last_run) = 20;
            """),
    ]

    let db: Database
    private let changed = Locked<[@Sendable () -> Void]>([])
    public init(db: Database) { self.db = db }

    /// Called after any change of a task's schedule (create, enable, disable, delete): the scheduler re-reads.
    public func onChange(_ body: @escaping @Sendable () -> Void) { changed.withLock { $0.append(body) } }

    func didChange() { for f in changed.withLock({ $0 }) { f() } }

    public func all(workflow: String? = nil) throws -> [ScheduledTask] {
        try db.read { try $0.query("SELECT * FROM tasks WHERE (?1 IS NULL OR workflow = ?1) ORDER BY created", [workflow]).map(TaskStore.task) }
    }

    public func get(_ id: String) throws -> ScheduledTask? {
        try db.read { try $0.queryOne("SELECT * FROM tasks WHERE id = ?", [id]).map(TaskStore.task) }
    }

    /// A task as given, checked: what `create` stores.
    public struct Draft: Sendable {
        var workflow: String
        var schedule: String?
        var at: String?
        var zone: String
        var missed: MissedPolicy
        var enabled: Bool
        var next: Date?
    }

    /// Checks a task's fields; answers the error a user can act on (with the cron error's position).
    /// `workflow` overrides the body's (a workflow file's tasks belong to it).
    public func validate(_ v: JSONValue, workflow forced: String? = nil, now: Date = Date()) throws -> Draft {
        let workflow = forced ?? v["workflow"]?.string ?? ""
        let known = try forced != nil || db.read({ try $0.queryOne("SELECT slug FROM workflows WHERE slug = ?", [workflow]) }) != nil
        guard known else { throw WorkflowStore.Invalid(.invalid, "Field 'workflow' must name an existing workflow.") }
        let zone = v["timezone"]?.string ?? "UTC"
        guard TimeZone(identifier: zone) != nil else {
            throw WorkflowStore.Invalid(.invalid, "'\(zone)' is not an IANA time zone (e.g. Europe/Zurich).")
        }
        guard let missed = MissedPolicy(rawValue: v["missed"]?.string ?? MissedPolicy.skip.rawValue) else {
            throw WorkflowStore.Invalid(.invalid, "Field 'missed' must be skip or run_once.")
        }
        let schedule = v["schedule"]?.string, at = v["at"]?.string
        guard (schedule == nil) != (at == nil) else {
            throw WorkflowStore.Invalid(.invalid, "Give either 'schedule' (a cron expression) or 'at' (one ISO-8601 instant).")
        }
        let next = try TaskStore.nextRun(schedule: schedule, at: at, zone: zone, after: now)
        return Draft(workflow: workflow, schedule: schedule, at: at, zone: zone, missed: missed, enabled: v["enabled"]?.bool ?? true, next: next)
    }

    /// Validates and stores a task.
    public func create(_ v: JSONValue, now: Date = Date()) throws -> ScheduledTask {
        let id = try insert(try validate(v, now: now))
        didChange()
        return try get(id)!
    }

    func insert(_ d: Draft) throws -> String {
        let id = UUID().uuidString.lowercased()
        try db.write { try $0.execute("""
            INSERT INTO tasks(id, workflow, schedule, at, timezone, enabled, missed, next_run, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [id, d.workflow, d.schedule, d.at, d.zone, d.enabled, d.missed.rawValue, d.enabled ? d.next.map(TaskStore.iso) : nil, Clock.iso8601Now()]) }
        return id
    }

    /// Makes a workflow's tasks exactly `drafts` (a workflow file's `tasks`): matching ones (same schedule or instant
    /// and zone) are kept with their history, others created, the rest deleted.
    public func replace(workflow: String, with drafts: [Draft]) throws {
        var existing = try all(workflow: workflow)
        for d in drafts {
            if let i = existing.firstIndex(where: { $0.schedule == d.schedule && $0.at == d.at && $0.timezone == d.zone }) {
                let t = existing.remove(at: i)
                try db.write { try $0.execute("UPDATE tasks SET missed = ? WHERE id = ?", [d.missed.rawValue, t.id]) }
                if t.enabled != d.enabled { _ = try setEnabled(t.id, d.enabled) }
            } else {
                _ = try insert(Draft(workflow: workflow, schedule: d.schedule, at: d.at, zone: d.zone, missed: d.missed, enabled: d.enabled, next: d.next))
            }
        }
        for t in existing { try db.write { _ = try $0.execute("DELETE FROM tasks WHERE id = ?", [t.id]) } }
        didChange()
    }

    /// A task in a workflow file's form.
    public static func fileForm(_ t: ScheduledTask) -> JSONValue {
        var o: [String: JSONValue] = ["timezone": .string(t.timezone), "missed": .string(t.missed.rawValue), "enabled": .bool(t.enabled)]
        if let s = t.schedule { o["schedule"] = .string(s) }
        if let a = t.at { o["at"] = .string(a) }
        return .object(o)
    }

    /// Changes a task's schedule (or instant), zone, missed-run policy or enabled state; the rest stays.
    public func update(_ id: String, _ v: JSONValue, now: Date = Date()) throws -> ScheduledTask? {
        guard let t = try get(id) else { return nil }
        var merged: [String: JSONValue] = ["timezone": .string(t.timezone), "missed": .string(t.missed.rawValue), "enabled": .bool(t.enabled)]
        if let s = t.schedule { merged["schedule"] = .string(s) }
        if let a = t.at { merged["at"] = .string(a) }
        // A new schedule replaces an instant and the other way round.
        if v["schedule"] != nil { merged["at"] = nil }
        if v["at"] != nil { merged["schedule"] = nil }
        for (k, value) in v.object ?? [:] where ["schedule", "at", "timezone", "missed", "enabled"].contains(k) { merged[k] = value }
        let d = try validate(.object(merged), workflow: t.workflow, now: now)
        try db.write { try $0.execute("UPDATE tasks SET schedule = ?, at = ?, timezone = ?, missed = ?, enabled = ?, next_run = ? WHERE id = ?",
                                      [d.schedule, d.at, d.zone, d.missed.rawValue, d.enabled, d.enabled ? d.next.map(TaskStore.iso) : nil, id]) }
        didChange()
        return try get(id)
    }

    public func setEnabled(_ id: String, _ enabled: Bool, now: Date = Date()) throws -> ScheduledTask? {
        guard let t = try get(id) else { return nil }
        let next = enabled ? try TaskStore.nextRun(schedule: t.schedule, at: t.at, zone: t.timezone, after: now).map(TaskStore.iso) : nil
        try db.write { try $0.execute("UPDATE tasks SET enabled = ?, next_run = ? WHERE id = ?", [enabled, next, id]) }
        didChange()
        return try get(id)
    }

    public func delete(_ id: String) throws -> Bool {
        defer { didChange() }
        return try db.write { try $0.execute("DELETE FROM tasks WHERE id = ?", [id]) > 0 }
    }

    /// The next `count` run times of a task.
    public func preview(_ t: ScheduledTask, count: Int, after: Date = Date()) throws -> [String] {
        guard let s = t.schedule else { return t.at.map { [$0] } ?? [] }
        return try CronExpression(s).preview(after: after, in: TimeZone(identifier: t.timezone)!, count: count).map(TaskStore.iso)
    }

    static func nextRun(schedule: String?, at: String?, zone: String, after: Date) throws -> Date? {
        if let schedule {
            do { return try CronExpression(schedule).next(after: after, in: TimeZone(identifier: zone)!) } catch {
                throw WorkflowStore.Invalid(.invalid, "Invalid schedule '\(schedule)' \(error.description).")
            }
        }
        guard let at, let date = Clock.date(iso8601: at) else {
            throw WorkflowStore.Invalid(.invalid, "Field 'at' must be an ISO-8601 instant such as 2026-12-01T08:00:00Z.")
        }
        return date > after ? date : nil
    }

    static func iso(_ d: Date) -> String { Clock.iso8601(d) }

    /// Decodes a `tasks` row; a missing column is an error, not a default.
    static func task(_ r: Row) throws -> ScheduledTask {
        ScheduledTask(id: try r.text("id"), workflow: try r.text("workflow"), schedule: try r.optionalText("schedule"), at: try r.optionalText("at"),
                      timezone: try r.text("timezone"), enabled: try r.bool("enabled"), missed: try r.decode("missed"),
                      lastRun: try r.optionalText("last_run"), nextRun: try r.optionalText("next_run"), created: try r.text("created"))
    }
}
