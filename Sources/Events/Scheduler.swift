import Core
import Foundation
import Store
import Synchronization
import Workflows

/// Fires due tasks: a thread that sleeps until the earliest next run (or until a task changes), then queues the
/// runs of every task due. Firing is a database transaction, so a restart neither loses nor repeats an occurrence.
/// Events owns the clock because the run queue that executes fired runs lives here; what fires is Scheduling's
/// `CatchUp`, applied by `TaskStore.fireDue` (Workflows) in its transaction.
public final class Scheduler: Sendable {
    let tasks: TaskStore
    let logger: Logger
    let fired: @Sendable ([FiredRun]) -> Void
    /// Which replica fires (nil: this process alone).
    let leadership: Leadership?
    private let doorbell = Wakeup()
    private let state = Locked<(stopping: Bool, started: Bool)>((false, false))

    public init(tasks: TaskStore, logger: Logger, leadership: Leadership? = nil, fired: @escaping @Sendable ([FiredRun]) -> Void) {
        self.tasks = tasks
        self.logger = logger
        self.leadership = leadership
        self.fired = fired
        tasks.onChange { [weak self] in self?.wake() }
    }

    public func start() {
        guard state.withLock({ s -> Bool in defer { s.started = true }; return !s.started }) else { return }
        let thread = Thread { [self] in loop() }
        thread.name = "scheduler"
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    public func wake() {
        doorbell.ring()
    }

    public func shutdown() {
        state.withLock { $0.stopping = true }
        wake()
    }

    /// Fires what is due at `now` and answers when to look next. The thread calls it; tests call it with their own clock.
    @discardableResult
    public func tick(now: Date = Date()) -> Date? {
        do {
            while true {
                let (batch, skipped) = try tasks.fireDue(now: now)
                if skipped > 0 { logger.info("tasks.missed_skipped", ["count": "\(skipped)"]) }
                if batch.isEmpty { break }
                let late = batch.map { $0.firedAt.timeIntervalSince($0.scheduledFor) * 1000 }
                logger.info("tasks.fired", ["count": "\(batch.count)", "max_late_ms": String(format: "%.1f", late.max() ?? 0)])
                fired(batch)
                if batch.count < TaskStore.firingBatch { break }
            }
            return try tasks.nextDue()
        } catch {
            logger.error("scheduler.failed", ["error": "\(error)"])
            return now.addingTimeInterval(1)
        }
    }

    private func loop() {
        var leading = false
        while !state.withLock({ $0.stopping }) {
            let shared = leadership?.isShared ?? false
            if let leadership, leadership.check() != leading {
                leading.toggle()
                if shared { logger.info(leading ? "scheduler.leading" : "scheduler.standing_by") }
            }
            if shared && !leading {
                // A follower asks for the lease every `leaseCheck`: a leader that died is replaced that soon.
                doorbell.wait(until: Date().addingTimeInterval(Scheduler.leaseCheck))
                continue
            }
            let next = tick(now: Date())
            // Look at least every 30 s, in case the wall clock was changed; a leader among replicas renews its lease
            // and sees tasks other replicas changed every `leaseCheck`.
            let deadline = min(next ?? .distantFuture, Date().addingTimeInterval(shared ? Scheduler.leaseCheck : 30))
            doorbell.wait(until: deadline)
        }
        leadership?.resign()
    }

    static let leaseCheck: TimeInterval = 1
}
