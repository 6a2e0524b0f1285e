import App
import Core
import Foundation
import HTTPClient
import Store
import Testing
import TestSupport

/// The API's handlers await SQLite on the database's own threads: writes queued behind a held writer must not hold
/// threads of Swift's cooperative pool, which every other request (and every other task) needs.
@Suite struct PlatformAPIPoolTests {
    @Test func writesWaitingForTheWriterLeaveThePoolFree() async throws {
        var options = try ServeOptions.forTest("api-pool")
        options.port = 0
        let ready = options
        let app = try await offPool { try Application(options: ready, logger: Logger(sink: LogSink(capturingAt: .error)),
                                  environment: ["OPENPIECES_ADMIN_TOKEN": TestAuth.token], listen: true) }
        let server = try #require(app.server)
        let base = "http://127.0.0.1:\(server.port)"
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let db = app.database

        // Hold the writer (as a long transaction would) on a thread of our own, until told or for 30 s at most.
        let held = DispatchSemaphore(value: 0), gate = DispatchSemaphore(value: 0)
        let released = Locked(false)
        Thread.detachNewThread {
            try? db.write { _ in
                held.signal()
                _ = gate.wait(timeout: .now() + 30)
                released.withLock { $0 = true }
            }
        }
        try await offPool { held.wait() }

        // More concurrent writes than the pool has threads. Had a handler waited for the writer's lock on a pool
        // thread, the pool would now be full: neither the task nor the read below could run until the writer let go.
        let burst = max(16, 4 * ProcessInfo.processInfo.activeProcessorCount)
        let answered = Locked(0)
        let writes = Task {
            await withTaskGroup(of: Int.self) { group in
                for i in 0..<burst {
                    group.addTask {
                        let body: JSONValue = ["kind": "fact", "text": .string("pool check \(i) \(UUID().uuidString)")]
                        let r = try? await client.send(ClientRequest(method: "POST", url: base + "/api/v1/brain",
                                                                     headers: [("Content-Type", "application/json")], body: body.bytes, timeout: 120))
                        answered.withLock { $0 += 1 }
                        return r?.status ?? 0
                    }
                }
                return await group.reduce(into: [Int]()) { $0.append($1) }
            }
        }
        // Let the server take them in (checked off the pool, which they might be holding). Ordering, not wall time, is
        // asserted below: the parallel suites can starve the pool for seconds.
        try await offPool { _ = usleep(1_000_000) }
        let ranWhileWriterHeld = await Task { !released.withLock { $0 } }.value
        let read = try await client.send(ClientRequest(url: base + "/api/v1/brain?limit=5", timeout: 60))
        let readWhileWriterHeld = !released.withLock { $0 }
        let writesAnsweredMeanwhile = answered.withLock { $0 }
        gate.signal()

        #expect(ranWhileWriterHeld, "a task waited for the writer: handlers hold pool threads while they wait for it")
        #expect(read.status == 200)
        #expect(readWhileWriterHeld, "a read-only API call waited for the writer: handlers hold pool threads while they wait for it")
        #expect(writesAnsweredMeanwhile == 0, "a write answered while the writer was held")
        // Once the writer lets go, every queued write goes through.
        let statuses = await writes.value
        #expect(statuses.count == burst && statuses.allSatisfy { $0 == 201 }, "\(statuses)")
        let listed = try await client.send(ClientRequest(url: base + "/api/v1/brain?kind=fact&limit=500", timeout: 60))
        #expect(JSONValue.parse(listed.body)?["entries"]?.array?.count == burst)
        await server.shutdown()
    }
}
