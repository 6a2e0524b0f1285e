import Foundation

/// Runs blocking work (waits, blocking sockets, child processes) on a bounded pool of dedicated threads, so it never
/// occupies Swift's cooperative pool, which serves every request handler, and a burst of callers (readiness probes
/// every 15 ms, many services starting at once) queues instead of starting a thread each.
public enum Blocking {
    /// At most this many threads run blocking work at once; the rest waits its turn, first come first served.
    public static let maxThreads = 16

    static let pool = ThreadPool(name: "blocking", maxThreads: maxThreads)

    /// Which threads blocking work waits for. A call that holds a thread for seconds (a type check of generated code)
    /// runs on a few threads of its own, so a burst of them never makes a short call (a readiness probe) wait.
    public enum Lane: Sendable {
        /// Calls that answer in milliseconds: probes, syscalls, SQLite.
        case short
        /// Calls that may take seconds to a minute: child processes that compile or check code.
        case long
    }

    /// At most this many long calls run at once; more wait their turn without touching the short lane.
    public static let maxLongThreads = 4

    static let longPool = ThreadPool(name: "long-jobs", maxThreads: maxLongThreads)

    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await run(.short, body)
    }

    public static func run<T: Sendable>(_ lane: Lane, _ body: @escaping @Sendable () -> T) async -> T {
        let pool = lane == .short ? pool : longPool
        return await withCheckedContinuation { cont in
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
