import Core
import Foundation
import Store
import Synchronization
import Workflows

/// Executes queued runs with bounded concurrency. A dispatcher thread claims runs from SQLite under a lease it
/// keeps renewing; each claimed run is executed by the Events agent on its own task. Retryable failures go back
/// in the queue with exponential backoff; a run's attempts are capped.
public final class RunQueue: Sendable {
    let runs: RunStore
    let agent: EventsAgent
    let feed: RunFeed
    let limits: RunLimits
    let logger: Logger
    /// This process's lease owner id: `<node>/<process>`, so a restarted node knows its earlier process's leases.
    let owner: String
    let node: String
    private let state = Locked<(active: [String: Task<Void, Never>], stopping: Bool, started: Bool)>(([:], false, false))
    private let doorbell = Wakeup()
    /// Called when a run ends (succeeded, failed or cancelled), for outgoing webhooks and tests.
    private let finished = Locked<[@Sendable (RunRecord) -> Void]>([])

    /// `node` names this data directory (a replica), the same across its restarts.
    public init(runs: RunStore, agent: EventsAgent, feed: RunFeed, limits: RunLimits, logger: Logger, node: String) {
        self.node = node
        self.owner = node + "/" + UUID().uuidString.lowercased()
        self.runs = runs
        self.agent = agent
        self.feed = feed
        self.limits = limits
        self.logger = logger
    }

    public func onFinished(_ body: @escaping @Sendable (RunRecord) -> Void) { finished.withLock { $0.append(body) } }

    /// Starts dispatching. Leases of this node's earlier process are void (it is gone: the data directory is locked);
    /// on a shared store other replicas' leases are theirs (`RunStore.releaseLeases(ofNode:)`).
    public func start() {
        guard state.withLock({ s -> Bool in defer { s.started = true }; return !s.started }) else { return }
        if let n = try? runs.releaseLeases(ofNode: node), n > 0 { logger.info("runs.resumed", ["count": "\(n)"]) }
        let thread = Thread { [self] in dispatch() }
        thread.name = "run-queue"
        thread.start()
    }

    /// Something was queued: look now.
    public func wake() {
        doorbell.ring()
    }

    public var activeCount: Int { state.withLock { $0.active.count } }

    /// Cancels a queued or running run. Answers the run as it stands, nil if unknown.
    public func cancel(_ id: String) throws -> RunRecord? {
        guard let before = try runs.get(id) else { return nil }
        guard !before.isFinished else { return before }
        let after = try runs.cancel(id)
        state.withLock { $0.active[id] }?.cancel()
        if let after, after.status == .cancelled {
            logger.info("run.cancelled", ["run": id, "workflow": after.workflow])
            feed.publish(id, "done", after.json)
            notifyFinished(after)
        }
        return after
    }

    /// Stops claiming; runs in progress are interrupted and put back in the queue for the next start.
    public func shutdown() async {
        let tasks = state.withLock { s -> [Task<Void, Never>] in
            s.stopping = true
            return Array(s.active.values)
        }
        wake()
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
    }

    private func dispatch() {
        var lastRenewal = Date()
        while !state.withLock({ $0.stopping }) {
            let now = Date()
            if now.timeIntervalSince(lastRenewal) >= limits.lease / 4 {
                lastRenewal = now
                renewLeases(now)
            }
            while state.withLock({ $0.active.count < limits.concurrency && !$0.stopping }) {
                let claimed: RunRecord?
                do { claimed = try runs.claim(owner: owner, lease: limits.lease) } catch {
                    logger.error("runs.claim_failed", ["error": "\(error)"])
                    break
                }
                guard let run = claimed else { break }
                launch(run)
            }
            let next = (try? runs.nextWake()) ?? nil
            var deadline = min(next.map { max($0, Date().addingTimeInterval(0.005)) } ?? .distantFuture, lastRenewal.addingTimeInterval(limits.lease / 4))
            if runs.isShared { deadline = min(deadline, Date().addingTimeInterval(Database.sharedPoll)) }
            doorbell.wait(until: deadline)
        }
    }

    private func renewLeases(_ now: Date) {
        let active = Set(state.withLock { $0.active.keys })
        guard let held = try? runs.renew(owner: owner, runs: active, lease: limits.lease, now: now) else { return }
        // A run cancelled behind our back (another route, or by hand in the database) no longer counts as held.
        let lost = state.withLock { s in s.active.filter { !held.contains($0.key) }.map(\.value) }
        for t in lost { t.cancel() }
    }

    private func launch(_ run: RunRecord) {
        // Registered under the lock before it can finish, so its removal always follows its insertion.
        state.withLock { s in
            s.active[run.id] = Task { [self] in
                await execute(run)
                state.withLock { _ = $0.active.removeValue(forKey: run.id) }
                wake()
            }
        }
    }

    private func execute(_ run: RunRecord) async {
        let started = Date()
        logger.info("run.started", ["run": run.id, "workflow": run.workflow, "cause": run.cause, "attempt": "\(run.attempts)"])
        feed.publish(run.id, "status", ["status": .string(RunStatus.running.rawValue), "attempt": JSONValue(run.attempts)])
        let result: EventsAgent.Result = run.attempts > limits.maxAttempts
            ? .finished(status: .failed, error: "Gave up after \(limits.maxAttempts) attempts\(run.error.map { ": \($0)" } ?? ".")", report: nil)
            : await agent.execute(run, owner: owner)
        let stopping = state.withLock { $0.stopping }
        do {
            switch result {
            case .finished(let status, let error, let report):
                if try runs.finish(run.id, owner: owner, status: status, error: error, report: report) {
                    logger.info("run.finished", ["run": run.id, "workflow": run.workflow, "status": status.rawValue,
                                                 "ms": "\(Int(Date().timeIntervalSince(started) * 1000))", "error": error ?? ""])
                    done(run.id)
                }
            case .retry(let message) where stopping:
                try runs.retryLater(run.id, owner: owner, notBefore: Date(), error: message)
            case .retry(let message):
                if run.attempts >= limits.maxAttempts {
                    if try runs.finish(run.id, owner: owner, status: .failed, error: "Gave up after \(run.attempts) attempts: \(message)", report: nil) {
                        logger.info("run.finished", ["run": run.id, "workflow": run.workflow, "status": RunStatus.failed.rawValue, "error": message])
                        done(run.id)
                    }
                } else {
                    let delay = min(limits.maxBackoff, limits.backoff * pow(2, Double(max(0, run.attempts - 1))))
                    try runs.retryLater(run.id, owner: owner, notBefore: Date().addingTimeInterval(delay), error: message)
                    logger.info("run.deferred", ["run": run.id, "workflow": run.workflow, "retry_in_s": String(format: "%.1f", delay), "reason": message])
                    feed.publish(run.id, "status", ["status": .string(RunStatus.queued.rawValue), "retryInSeconds": .number(delay), "reason": .string(message)])
                }
            case .cancelled where stopping:
                // Interrupted by shutdown, not by a user: it resumes at the next start.
                try runs.retryLater(run.id, owner: owner, notBefore: Date(), error: "Interrupted by a shutdown; resumes at the next start.")
            case .cancelled:
                break  // `cancel` recorded it
            }
        } catch {
            logger.error("run.record_failed", ["run": run.id, "error": "\(error)"])
        }
    }

    private func done(_ id: String) {
        guard let run = try? runs.get(id) else { return }
        feed.publish(id, "done", run.json)
        notifyFinished(run)
    }

    private func notifyFinished(_ run: RunRecord) {
        for f in finished.withLock({ $0 }) { f(run) }
    }
}
