import Foundation
import Testing
import TestSupport

/// The kernel's name of the calling thread (what `top -H` shows).
private func threadName() -> String {
    ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "")
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

/// `.offPool` moves a suite's tests, and only them, off Swift's cooperative pool.
@Suite(.offPool) struct OffPoolTraitTests {
    @Test func aSynchronousTestRunsOnTheSuitesThreads() {
        #expect(threadName().hasPrefix(OffPoolExecutor.threadName))
    }

    @Test(arguments: [1, 2, 3]) func everyCaseOfAParameterisedTestDoesToo(_ n: Int) async throws {
        #expect(threadName().hasPrefix(OffPoolExecutor.threadName), "case \(n)")
        try await Task.sleep(nanoseconds: 1_000_000)
        #expect(threadName().hasPrefix(OffPoolExecutor.threadName), "case \(n), after a suspension")
    }

    /// What a server under test starts (its handlers are unstructured tasks) stays on the pool.
    @Test func unstructuredTasksStayOnThePool() async {
        let name = await Task { threadName() }.value
        #expect(!name.hasPrefix(OffPoolExecutor.threadName) && !name.isEmpty, "\(name)")
    }
}

@Suite struct WithoutTheTraitTests {
    @Test func aTestRunsOnThePool() {
        #expect(!threadName().hasPrefix(OffPoolExecutor.threadName))
    }
}
