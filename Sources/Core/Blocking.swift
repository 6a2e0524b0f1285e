import Foundation

/// Runs blocking work (waits, blocking sockets, child processes) on a bounded pool of dedicated threads, so it never
/// occupies Swift's cooperative pool, which serves every request handler, and a burst of callers (readiness probes
/// every 15 ms, many services starting at once) queues instead of starting a thread each.
public enum Blocking {
    /// At most this many threads run blocking work at once; the rest waits its turn, first come first served.
    public static let maxThreads = 16

    static let pool = ThreadPool(name: "blocking", maxThreads: maxThreads)

    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { cont in
            pool.submit { cont.resume(returning: body()) }
        }
    }
}

extension Blocking {
    /// Like `run`, but answers nil once `seconds` pass. Work already started still finishes on its thread; work still
    /// queued at the deadline is dropped, so a backlog of stale calls does not hold the pool.
    public static func run<T: Sendable>(timeout seconds: Double, _ body: @escaping @Sendable () -> T) async -> T? {
        let once = Locked(false)
        return await withCheckedContinuation { (cont: CheckedContinuation<T?, Never>) in
            let finish: @Sendable (T?) -> Void = { value in
                if once.withLock({ done in defer { done = true }; return !done }) { cont.resume(returning: value) }
            }
            pool.submit {
                guard !once.withLock({ $0 }) else { return }  // answered nil while queued: nobody waits for it
                finish(body())
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { finish(nil) }
        }
    }
}
