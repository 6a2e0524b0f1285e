import Foundation

/// Runs blocking work (pipes, waitUntilExit, blocking sockets) on its own thread, so tests never starve
/// Swift's small cooperative pool, which the servers under test need for their handlers.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { cont in
        Thread.detachNewThread {
            do { cont.resume(returning: try body()) } catch { cont.resume(throwing: error) }
        }
    }
}
