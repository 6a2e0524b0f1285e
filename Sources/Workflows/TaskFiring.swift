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

/// Workflows owns the firing transaction because tasks and runs are its tables: what to fire is Scheduling's `CatchUp`,
/// when to look is the Events scheduler's clock; here an occurrence becomes a queued run exactly once.
extension TaskStore {
    /// The most due tasks one transaction fires; the scheduler asks again while batches come back full.
    public static let firingBatch = 2000

    /// Fires every task due at `now`: queues its run and moves its next run on, in one transaction each batch, so an
    /// occurrence is fired exactly once (the run's idempotency key is the task and the occurrence, too).
    public func fireDue(now: Date, limit: Int = TaskStore.firingBatch) throws -> (fired: [FiredRun], skipped: Int) {
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
                let plan = CatchUp.plan(due: due, now: now, cron: cron, zone: zone, missed: t.missed)
                if plan.skipped { skipped += 1 }
                let occurrence = plan.occurrence, next = plan.next
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
