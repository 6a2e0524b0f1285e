import Core
import Foundation
import Testing
import TestSupport

/// The Pieces handlers' SQLite work runs on the database's threads, never on Swift's cooperative pool.
@Suite struct SQLiteOffPoolTests {
    /// The writer is held while more asset creates than the pool has threads wait for it. A handler that waited on a
    /// pool thread would fill the pool, and the read and the small task below could run only once the writer was let go.
    /// Ordering, not wall time, is asserted: the parallel suites can starve the pool for seconds.
    @Test func readsGoOnWhileWritesWaitForTheWriter() async throws {
        try await PiecesFixture.with { f in
            let writes = max(16, 4 * ProcessInfo.processInfo.activeProcessorCount)
            let released = Locked(false)
            let gate = DispatchSemaphore(value: 0), holding = DispatchSemaphore(value: 0)
            let release: @Sendable () -> Void = {
                if released.withLock({ r in defer { r = true }; return !r }) { gate.signal() }
            }
            // A long write on a thread of our own holds the writer until released.
            Thread.detachNewThread { try? f.db.write { _ in holding.signal(); gate.wait() } }
            try await offPool { holding.wait() }
            // If the pool is held, this lets the writer go after a while, so the test fails instead of hanging.
            DispatchQueue.global().asyncAfter(deadline: .now() + 40, execute: release)

            let creates = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<writes { group.addTask { try await f.createAsset("let value\(i) = \(i)", name: "held \(i)") } }
                    try await group.waitForAll()
                }
            }
            // Every create has reached the server (checked off the pool, which they might be holding).
            let inFlight = try await offPool { () throws -> Bool in
                let deadline = Date().addingTimeInterval(30)
                while f.server.openConnections < writes, Date() < deadline { usleep(10_000) }
                usleep(300_000)  // time for the handlers to reach the writer
                return f.server.openConnections >= writes
            }
            #expect(inFlight, "the creates did not all reach the server")

            let (status, conversations) = try await f.call("GET", "/conversations")
            let heldDuringRead = released.withLock { !$0 }
            let heldDuringTask = await Task { released.withLock { !$0 } }.value
            #expect(status == 200 && conversations["iterable"]?.array?.isEmpty == true)
            #expect(heldDuringRead, "a read waited for the writer: handlers hold pool threads while they wait for SQLite")
            #expect(heldDuringTask, "a task waited for the writer: handlers hold pool threads while they wait for SQLite")

            release()
            try await creates.value
            #expect(try await f.get("/assets")["iterable"]?.array?.count == writes)
        }
    }
}
