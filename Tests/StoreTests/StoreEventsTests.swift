import Core
import Foundation
import Store
import Testing
import TestSupport

/// Live events between processes sharing a store: PostgreSQL LISTEN/NOTIFY, one set of channels per schema.
@Suite struct StoreEventsTests {
    final class Inbox: Sendable {
        let items = Locked<[JSONValue]>([])
        func add(_ v: JSONValue) { items.withLock { $0.append(v) } }
        var all: [JSONValue] { items.withLock { $0 } }

        func wait(for count: Int, seconds: Double = 10) async -> [JSONValue] {
            let deadline = Date().addingTimeInterval(seconds)
            while all.count < count, Date() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
            return all
        }
    }

    @Test(arguments: TestDatabase.backends)
    func eventsReachTheOtherProcessesOfTheSameStoreOnly(_ backend: SQLDialect) async throws {
        let dir = try TestPaths.temporaryDirectory("events-\(backend)")
        let other = try TestPaths.temporaryDirectory("events-other-\(backend)")
        let open = { (path: String) in try Database(location: TestDatabase.location(backend, path), migrations: []) }
        // Two processes on one store (a SQLite file is one process's), and one on another store.
        let a = StoreEvents(try open(dir + "/s.sqlite")), b = StoreEvents(try open(dir + "/s.sqlite")), c = StoreEvents(try open(other + "/s.sqlite"))
        let logger = Logger(sink: LogSink(capturingAt: .warn))
        defer { [a, b, c].forEach { $0.stop() } }
        let atA = Inbox(), atB = Inbox(), atC = Inbox(), logsAtB = Inbox()
        a.subscribe(.runs, atA.add)
        b.subscribe(.runs, atB.add)
        b.subscribe(.logs, logsAtB.add)
        c.subscribe(.runs, atC.add)
        [a, b, c].forEach { $0.start(logger: logger) }
        #expect(a.isShared == (backend == .postgres))
        guard backend == .postgres else {
            // Alone on SQLite nobody else can hear: sending is a no-op that never fails.
            #expect(a.publish(.runs, ["n": 1]))
            try await Task.sleep(nanoseconds: 300_000_000)
            #expect(atB.all.isEmpty && atA.all.isEmpty)
            return
        }
        // Listening takes a moment to begin: send until the first arrives, then in order.
        var sent = 0
        while atB.all.isEmpty, sent < 100 {
            #expect(a.publish(.runs, ["n": JSONValue(sent)]))
            sent += 1
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let first = try #require(atB.all.first?["n"]?.int)
        for n in 1000..<1050 { #expect(a.publish(.runs, ["n": JSONValue(n), "text": "ünïcödé \"quoted\""])) }
        let got = await atB.wait(for: sent - first + 50)
        #expect(got.compactMap { $0["n"]?.int }.filter { $0 >= 1000 } == Array(1000..<1050), "in order, each once")
        #expect(got.last?["text"]?.string == "ünïcödé \"quoted\"")
        #expect(logsAtB.all.isEmpty, "another channel's handlers hear nothing")
        // The sender does not hear itself; another store (schema) hears nothing.
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(atA.all.isEmpty)
        #expect(atC.all.isEmpty)
        // Too large for a notification: refused, so the caller sends less.
        #expect(!a.publish(.runs, ["text": .string(String(repeating: "x", count: StoreEvents.maxPayload))]))
        b.publish(.logs, ["line": "from b"])
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(logsAtB.all.isEmpty, "b's own line does not come back to b")
    }
}
