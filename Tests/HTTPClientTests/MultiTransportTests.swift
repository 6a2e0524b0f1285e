import Core
import Foundation
import HTTPClient
import HTTPServer
import Testing
import TestSupport

/// The transport: every transfer on the one `op-http-client` thread, and an abandoned transfer closes its connection.
@Suite struct MultiTransportTests {
    /// What the server saw: requests in flight at once, and streams whose client went away.
    final class Seen: Sendable {
        let inFlight = Locked((now: 0, peak: 0))
        let closedStreams = Locked(0)
    }

    func withServer(_ body: (Int, Seen) async throws -> Void) async throws {
        let seen = Seen()
        var r = Router()
        r.get("/slow") { _ in
            seen.inFlight.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
            defer { seen.inFlight.withLock { $0.now -= 1 } }
            try await Task.sleep(nanoseconds: 1_000_000_000)
            return Response.text("slow")
        }
        r.get("/endless") { _ in
            Response(status: 200, body: .stream(length: nil) { w in
                do {
                    while true {
                        try await w.write([UInt8](repeating: 1, count: 1024))
                        try await Task.sleep(nanoseconds: 5_000_000)
                    }
                } catch {
                    seen.closedStreams.withLock { $0 += 1 }
                    throw error
                }
            })
        }
        r.get("/hang") { _ in
            try await Task.sleep(nanoseconds: 60_000_000_000)
            return Response.text("late")
        }
        var limits = ServerLimits()
        limits.shutdownGrace = 1
        let server = try HTTPServer(configuration: ServerConfiguration(port: 0, eventLoops: 1, limits: limits),
                                    router: r, logger: Logger(sink: LogSink(capturingAt: .error)))
        do { try await body(server.port, seen) } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test func concurrentRequestsShareOneThread() async throws {
        let sampler = ThreadNameSampler(name: "op-http-client")
        sampler.start()
        try await withServer { port, seen in
            let client = HTTPClient()
            let started = Date()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<200 {
                    group.addTask { try await client.send(ClientRequest(url: "http://127.0.0.1:\(port)/slow", timeout: 60)).status }
                }
                var statuses: [Int] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            #expect(statuses.count == 200 && statuses.allSatisfy { $0 == 200 })
            // One at a time would take 200 s: they were in flight together.
            #expect(seen.inFlight.withLock { $0.peak } >= 50, "peak in flight: \(seen.inFlight.withLock { $0.peak })")
            #expect(Date().timeIntervalSince(started) < 40)
        }
        let peak = try await sampler.stop()
        #expect(peak == 1, "threads named op-http-client at once: \(peak)")
    }

    @Test func cancellingTheReadingTaskClosesTheConnection() async throws {
        try await withServer { port, seen in
            let client = HTTPClient()
            let stream = try await client.stream(ClientRequest(url: "http://127.0.0.1:\(port)/endless", timeout: 0))
            let gotSome = Locked(false)
            let reader = Task {
                var received = 0
                for try await chunk in stream.body {
                    received += chunk.count
                    if received > 4096 { gotSome.withLock { $0 = true } }
                }
                return received
            }
            try await waitUntil { gotSome.withLock { $0 } }
            reader.cancel()
            _ = try? await reader.value
            try await waitUntil { seen.closedStreams.withLock { $0 } == 1 }
        }
    }

    @Test func leavingTheBodyLoopClosesTheConnection() async throws {
        try await withServer { port, seen in
            let stream = try await HTTPClient().stream(ClientRequest(url: "http://127.0.0.1:\(port)/endless", timeout: 0))
            var received = 0
            for try await chunk in stream.body {
                received += chunk.count
                if received > 4096 { break }
            }
            try await waitUntil { seen.closedStreams.withLock { $0 } == 1 }
        }
    }

    @Test func cancellingBeforeTheHeadArrivesThrowsCancelled() async throws {
        try await withServer { port, _ in
            let task = Task { try await HTTPClient().send(ClientRequest(url: "http://127.0.0.1:\(port)/hang", timeout: 60)) }
            try await Task.sleep(nanoseconds: 200_000_000)
            let started = Date()
            task.cancel()
            await #expect(throws: HTTPClientError.cancelled) { _ = try await task.value }
            #expect(Date().timeIntervalSince(started) < 30, "cancellation waited for the response")
        }
    }

    @Test func aStalledBodyTimesOut() async throws {
        // A raw listener on its own thread answers the head and a first chunk at once, then sends nothing more: the
        // stall is the body's, however starved the test process's pool (an in-process route needs that pool).
        let trickle = try CannedServer(response: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n", keepOpen: true)
        defer { trickle.stop() }
        let url = "http://127.0.0.1:\(trickle.port)/trickle"
        let started = Date()
        let stream = try await HTTPClient().stream(ClientRequest(url: url, timeout: 0, stallTimeout: 2))
        var text = ""
        await #expect(throws: HTTPClientError.timeout(url: url, seconds: 2)) {
            for try await chunk in stream.body { text += String(decoding: chunk, as: UTF8.self) }
        }
        #expect(text == "first")
        #expect(Date().timeIntervalSince(started) < 50, "the stall timeout ended it, not the listener")
    }
}

/// Polls until `condition` holds, for up to 20 s (the full suite runs many servers at once).
func waitUntil(_ condition: @Sendable () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(20)
    while !condition() {
        if Date() > deadline { Issue.record("condition not met within 20 s"); return }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
}

/// Counts the process's threads with one name every 2 ms, on a thread of its own, keeping the highest count.
final class ThreadNameSampler: @unchecked Sendable {
    private let name: String
    private let state = Locked((peak: 0, stopped: false))
    private let done = DispatchSemaphore(value: 0)

    init(name: String) { self.name = name }

    func start() {
        Thread.detachNewThread { [self] in
            while !state.withLock({ $0.stopped }) {
                let n = count()
                state.withLock { $0.peak = max($0.peak, n) }
                usleep(2000)
            }
            done.signal()
        }
    }

    /// Stops sampling and answers the highest count seen; waits for the sampler off the cooperative pool.
    func stop() async throws -> Int {
        state.withLock { $0.stopped = true }
        try await offPool { self.done.wait() }
        return state.withLock { $0.peak }
    }

    private func count() -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter {
            (try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) == name
        }.count
    }
}
