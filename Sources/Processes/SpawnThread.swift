import Foundation

/// The one thread every `ChildProcess` is started from. A child's parent-death signal (PR_SET_PDEATHSIG) fires when
/// the thread that forked it ends, not only the process: a pool or test thread that ends would take its children
/// with it, so the fork happens on a thread that lives as long as the process.
final class SpawnThread: @unchecked Sendable {
    static let shared = SpawnThread()

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [() -> Void] = []

    private init() {
        let thread = Thread { [self] in loop() }
        thread.name = "op-child-spawner"
        thread.start()
    }

    /// Runs `body` on the spawn thread and answers its result; the caller waits (a fork takes milliseconds).
    func run<T>(_ body: @escaping () -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        var result: T?
        condition.lock()
        jobs.append {
            result = body()
            done.signal()
        }
        condition.signal()
        condition.unlock()
        done.wait()
        return result!
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
