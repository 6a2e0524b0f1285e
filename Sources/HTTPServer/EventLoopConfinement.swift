import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Which thread may touch a loop's state: its connection and upstream tables, and each `Connection` and `Upstream` on
/// it. Debug builds check it where that state is entered, as NIO's `assertInEventLoop` does; release builds check
/// nothing (the checks compile away).
final class LoopOwner: Sendable {
    /// The loop thread's `pthread_t` once it runs; `unowned` before (only its creator touches it, in `init`) and after
    /// it ended (its queue runs late work on whichever thread posts it).
    private let thread = Atomic<UInt>(LoopOwner.unowned)
    private static let unowned: UInt = 0

    init() {}

    /// On the loop thread, as it starts.
    func claim() { thread.store(UInt(pthread_self()), ordering: .releasing) }

    /// On the loop thread, as it ends, before work can run elsewhere.
    func release() { thread.store(LoopOwner.unowned, ordering: .releasing) }

    /// Whether the caller may touch the loop's state now.
    var isCurrent: Bool {
        let owner = thread.load(ordering: .acquiring)
        return owner == LoopOwner.unowned || owner == UInt(pthread_self())
    }
}

extension EventLoop {
    /// Whether the caller runs on this loop's thread (or the loop is not running, so its state belongs to nobody).
    var inEventLoop: Bool { owner.isCurrent }

    /// Stops a debug build when loop-confined state is touched from another thread; nothing in release builds.
    @inline(__always)
    func assertInEventLoop(file: StaticString = #fileID, line: UInt = #line) {
        #if DEBUG
        precondition(inEventLoop, "event loop \(index)'s state touched off its thread: post the work with `execute`", file: file, line: line)
        #endif
    }
}
