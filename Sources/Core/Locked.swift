import Foundation

/// A value behind a lock. It is a pthread mutex (NSLock on Linux) rather than `Synchronization.Mutex` because
/// ThreadSanitizer understands pthread locks; it does not model Mutex's futex, and reports races inside it.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    public init(_ value: Value) { self.value = value }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
