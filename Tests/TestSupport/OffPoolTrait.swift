import Core
import Foundation
import Testing

/// Runs a suite's tests on two threads of their own instead of Swift's cooperative pool.
///
/// The pool has one thread per core: two on CI. A test that computes for seconds (the grammar over hundreds of
/// phrasings, a diff of thousands of lines) or waits in a system call (an fsync, a SQLite migration) holds one of
/// them, and every in-process server under test, whose handlers run on the pool, stops answering meanwhile: a
/// request with a 15 s limit then fails on a loaded machine although nothing is wrong with it.
/// Unstructured tasks (a server's handlers) do not inherit the preference and stay on the pool.
public struct OffPoolTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(OffPoolExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OffPoolTrait {
    /// `@Suite(.offPool)`: the suite's tests run on `OffPoolExecutor`'s threads.
    public static var offPool: Self { OffPoolTrait() }
}

/// Two threads taking jobs in order (Core's `ThreadPool`): as many as the cooperative pool, so the tests moved here
/// neither starve nor swamp it.
public final class OffPoolExecutor: TaskExecutor, Sendable {
    public static let shared = OffPoolExecutor()
    /// The threads' names: `test-off-pool-1`, `-2`, cut to 15 characters by the kernel.
    public static let threadName = "test-off-pool"

    private let threads = ThreadPool(name: OffPoolExecutor.threadName, maxThreads: 2)

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        threads.submit { [self] in job.runSynchronously(on: asUnownedTaskExecutor()) }
    }
}
