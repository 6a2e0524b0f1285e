import Foundation

/// What a task does about occurrences that fell due while the server was down.
public enum MissedPolicy: String, Sendable, CaseIterable {
    /// Drop them; the task next runs at its next occurrence after now.
    case skip
    /// Run once for all of them, as the latest missed occurrence.
    case runOnce = "run_once"
}

/// The firing and catch-up policy, in the module that owns schedule arithmetic: given when a task fell due, it answers
/// which occurrence to run now and when the task falls due next. Pure, so the store's transaction and the
/// scheduler's clock only apply it.
public struct CatchUp: Sendable, Equatable {
    /// A due time further in the past than this was missed (the server was down), and the task's policy decides.
    public static let missedAfter: TimeInterval = 60
    /// Bounds the walk over missed occurrences (a year of minutes is ~525,600).
    static let maxWalk = 600_000

    /// The occurrence to run now; nil when the policy skipped it.
    public var occurrence: Date?
    /// When the task falls due next; nil for a one-off (or a schedule with no further time).
    public var next: Date?

    public init(occurrence: Date?, next: Date?) {
        self.occurrence = occurrence
        self.next = next
    }

    /// True when the due occurrence was missed and dropped.
    public var skipped: Bool { occurrence == nil }

    /// The plan for a task due at `due`, looked at `now`. `cron` is nil for a one-off (`at`) task.
    public static func plan(due: Date, now: Date, cron: CronExpression?, zone: TimeZone, missed: MissedPolicy) -> CatchUp {
        let late = now.timeIntervalSince(due) > missedAfter
        guard late else { return CatchUp(occurrence: due, next: cron?.next(after: due, in: zone)) }
        let next = cron?.next(after: now, in: zone)
        switch missed {
        case .skip:
            return CatchUp(occurrence: nil, next: next)
        case .runOnce:
            guard let cron else { return CatchUp(occurrence: due, next: nil) }
            // The latest missed occurrence stands for all of them.
            var last = due
            var walked = 0
            while let n = cron.next(after: last, in: zone), n <= now, walked < maxWalk {
                last = n
                walked += 1
            }
            return CatchUp(occurrence: last, next: next)
        }
    }
}
