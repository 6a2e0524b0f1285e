import Foundation

/// A thread's doorbell: `wait(until:)` sleeps until the deadline or a `ring()`. A ring while nobody waits is kept,
/// so a change that lands between a check and the wait is not slept through.
public final class Wakeup: @unchecked Sendable {
    private let condition = NSCondition()
    private var rung = false  // guarded by `condition`

    public init() {}

    public func ring() {
        condition.lock()
        rung = true
        condition.signal()
        condition.unlock()
    }

    public func wait(until deadline: Date) {
        condition.lock()
        while !rung, condition.wait(until: deadline) {}
        rung = false
        condition.unlock()
    }
}
