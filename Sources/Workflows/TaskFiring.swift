import Core
import Foundation
import Scheduling
import Store

/// A task firing: the run it queued.
public struct FiredRun: Sendable, Equatable {
    public var task: String
    public var run: String
    public var workflow: String
    /// The occurrence it stands for.
    public var scheduledFor: Date
    /// When it was queued.
    public var firedAt: Date
}

extension TaskStore {
    /// A due time further in the past than this was missed (the server was down), and the task's `missed` policy
    /// decides: `skip` it, or `run_once` for all the missed occurrences together.
    public static let missedAfter: TimeInterval = 60

    /// Fires every task due at `now`: queues its run and moves its next run on, in one transaction each batch, so an
    /// occurrence is fired exactly once (the run's idempotency key is the task and the occurrence, too).
    public func fireDue(now: Date, limit: Int = 2000) throws -> (fired: [FiredRun], skipped: Int) {
        try db.write { conn in
            var fired: [FiredRun] = [], skipped = 0
            let rows = try conn.query("""
                SELECT * FROM tasks WHERE enabled = 1 AND next_run IS NOT NULL AND next_run <= ? ORDER BY next_run LIMIT ?
                """, [Clock.iso8601(now), limit])
            for row in rows {
                let t = try TaskStore.task(row)
                guard let due = t.nextRun.flatMap(Clock.date(iso8601:)) else { continue }
                let cron = t.schedule.flatMap { try? CronExpression($0) }
                let zone = TimeZone(identifier: t.timezone) ?? TimeZone(identifier: "UTC")!
                var occurrence: Date? = due
                if now.timeIntervalSince(due) > TaskStore.missedAfter {
                    if t.missed == .skip {
                        occurrence = nil
                        skipped += 1
                    } else if let cron {
                        // The latest missed occurrence stands for all of them.
                        var last = due
                        var guardCount = 0
                        while let n = cron.next(after: last, in: zone), n <= now, guardCount < 600_000 {
                            last = n
                            guardCount += 1
                        }
                        occurrence = last
                    }
                }
                let next = cron.flatMap { c in
                    occurrence == nil || now.timeIntervalSince(due) > TaskStore.missedAfter ? c.next(after: now, in: zone) : c.next(after: due, in: zone)
                }
                if let occurrence {
                    let at = Clock.iso8601(occurrence)
                    let key = "task:\(t.id):\(at)"
                    if try conn.queryOne("SELECT 1 FROM runs WHERE workflow = ? AND idempotency_key = ?", [t.workflow, key]) == nil {
                        let input: JSONValue = ["task": .string(t.id), "scheduledFor": .string(at), "schedule": JSONValue(t.schedule ?? t.at)]
                        let run = try RunStore.insert(conn, workflow: t.workflow, cause: "task", input: input, taskID: t.id, scheduledFor: at, idempotencyKey: key)
                        fired.append(FiredRun(task: t.id, run: run, workflow: t.workflow, scheduledFor: occurrence, firedAt: now))
                    }
                }
                try conn.execute("UPDATE tasks SET last_run = COALESCE(?, last_run), next_run = ? WHERE id = ?",
                                 [occurrence.map(Clock.iso8601), next.map(Clock.iso8601), t.id])
            }
            return (fired, skipped)
        }
    }

    /// The earliest next run of an enabled task.
    public func nextDue() throws -> Date? {
        try db.read { try $0.queryOne("SELECT MIN(next_run) AS t FROM tasks WHERE enabled = 1 AND next_run IS NOT NULL")?.optionalText("t") }
            .flatMap(Clock.date(iso8601:))
    }
}
