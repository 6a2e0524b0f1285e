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
