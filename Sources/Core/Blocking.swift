import Foundation

/// Runs blocking work (waits, blocking sockets, child processes) on a thread of its own, so it never occupies
/// Swift's cooperative pool, which serves every request handler.
public enum Blocking {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { cont in
            Thread.detachNewThread { cont.resume(returning: body()) }
        }
    }
}

extension Blocking {
    /// Like `run`, but answers nil once `seconds` pass; the blocking work still finishes on its own thread.
    public static func run<T: Sendable>(timeout seconds: Double, _ body: @escaping @Sendable () -> T) async -> T? {
        let once = Locked(false)
        return await withCheckedContinuation { (cont: CheckedContinuation<T?, Never>) in
            let finish: @Sendable (T?) -> Void = { value in
                if once.withLock({ done in defer { done = true }; return !done }) { cont.resume(returning: value) }
            }
            Thread.detachNewThread { finish(body()) }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { finish(nil) }
        }
    }
}
