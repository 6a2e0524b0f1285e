import App
import Core
import Events
import Foundation
import Store
import Testing
import TestSupport
import Workflows

/// Two databases on one store stand for two replicas: each queued run is claimed by exactly one of them, and one
/// of them leads the scheduler at a time. On SQLite (one process per data directory) both lead.
@Suite struct ReplicaTests {
    func replicas(_ backend: SQLDialect, _ name: String) async throws -> (Database, Database) {
        let path = (try TestPaths.temporaryDirectory(name) as NSString).appendingPathComponent("r.sqlite")
        let a = try await offPool { try Database(location: TestDatabase.location(backend, path), migrations: Schema.all) }
        let b = try await offPool { try Database(location: TestDatabase.location(backend, path), migrations: Schema.all) }
        return (a, b)
    }

    @Test(arguments: TestDatabase.backends) func everyRunIsClaimedByExactlyOneReplica(_ backend: SQLDialect) async throws {
        let (a, b) = try await replicas(backend, "replica-claims")
        let queued = try await offPool { try (0..<300).map { i in try RunStore(db: a).enqueue(workflow: "w", input: ["i": .number(Double(i))]).id } }
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for (db, owner) in [(a, "node-a/1"), (b, "node-b/1")] {
                group.addTask {
                    try await offPool {
                        var mine: [String] = []
                        while let run = try RunStore(db: db).claim(owner: owner, lease: 60) { mine.append(run.id) }
                        return mine
                    }
                }
            }
            return try await group.reduce(into: [[String]]()) { $0.append($1) }
        }
        let all = claimed.flatMap { $0 }
        #expect(all.count == queued.count, "claimed \(all.count) of \(queued.count)")
        #expect(Set(all) == Set(queued))
        if backend == .postgres { #expect(claimed.allSatisfy { !$0.isEmpty }, "both replicas took runs: \(claimed.map(\.count))") }
        // Held under a live lease: nobody takes them again.
        #expect(try RunStore(db: b).claim(owner: "node-c/1", lease: 60) == nil)
        // A node that starts again takes back its earlier process's runs; on a shared store only those, not the
        // other replicas' (on SQLite the one process held them all).
        let mine = try await offPool { try RunStore(db: b).releaseLeases(ofNode: "node-c") }
        #expect(mine == (backend == .sqlite ? queued.count : 0))
        if backend == .postgres {
            let ownedByA = try a.read { try $0.queryOne("SELECT COUNT(*) AS n FROM runs WHERE lease_owner LIKE 'node-a/%'")?.int("n") ?? 0 }
            #expect(try await offPool { try RunStore(db: a).releaseLeases(ofNode: "node-a") } == ownedByA)
            #expect(try a.read { try $0.queryOne("SELECT COUNT(*) AS n FROM runs WHERE lease_owner LIKE 'node-b/%'")?.int("n") ?? 0 } > 0)
        }
    }

    /// Asks until `expected` (a lock a terminated session held is released when its backend has exited, a moment later).
    func leads(_ l: Leadership, becomes expected: Bool) async -> Bool {
        for _ in 0..<50 {
            if await (try? offPool { l.check() }) == expected { return true }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return false
    }

    @Test(arguments: TestDatabase.backends) func oneReplicaLeadsAndAnotherTakesOverWhenItsConnectionDies(_ backend: SQLDialect) async throws {
        let (a, b) = try await replicas(backend, "replica-lead")
        let first = Leadership(a, name: "scheduler"), second = Leadership(b, name: "scheduler")
        #expect(await leads(first, becomes: true))
        guard backend == .postgres else {
            #expect(await leads(second, becomes: true), "one process per SQLite store: it always leads")
            return
        }
        #expect(try await offPool { second.check() } == false)
        #expect(try await offPool { first.check() }, "the leader keeps its lease")
        // Another name is another lease.
        let other = Leadership(b, name: "other")
        #expect(try await offPool { other.check() })
        // The leader's session ends (its process died): the lock goes with it, and the follower takes over.
        try await offPool {
            try b.write { conn in
                _ = try conn.query("""
                    SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2
                      AND classid = CAST(hashtext('scheduler') AS oid) AND objid = CAST(hashtext(current_schema()) AS oid) AND granted
                    """)
            }
        }
        #expect(await leads(second, becomes: true))
        #expect(try await offPool { first.check() } == false, "the old leader finds its lease gone")
        #expect(try await offPool { first.check() } == false, "and does not get it back while the new one holds it")
        // Resigning lets go at once.
        second.resign()
        #expect(try await offPool { first.check() })
        other.resign()
    }
}

/// A run's progress reaches its followers on every replica: the feed of the replica executing it sends each event
/// through the store's live events (LISTEN/NOTIFY), and the feed of another replica hands them to its followers.
@Suite struct ReplicaFeedTests {
    @Test(arguments: TestDatabase.backends) func aRunsProgressReachesFollowersOnAnotherReplica(_ backend: SQLDialect) async throws {
        let path = (try TestPaths.temporaryDirectory("replica-feed") as NSString).appendingPathComponent("r.sqlite")
        let (a, b) = try await offPool {
            (StoreEvents(try Database(location: TestDatabase.location(backend, path), migrations: [])),
             StoreEvents(try Database(location: TestDatabase.location(backend, path), migrations: [])))
        }
        defer { a.stop(); b.stop() }
        let logger = Logger(sink: LogSink(capturingAt: .warn))
        a.start(logger: logger)
        b.start(logger: logger)
        let executing = RunFeed(events: a), following = RunFeed(events: b)
        let here = executing.follow("run-1"), there = following.follow("run-1")
        guard backend == .postgres else {
            // Alone on SQLite the executing replica's own followers are all there is.
            executing.publish("run-1", "done", ["status": "succeeded"])
            var names: [String] = []
            for await e in here { names.append(e.name) }
            #expect(names == ["done"])
            return
        }
        // The other replica listens a moment after starting: events before that are not promised.
        try await Task.sleep(nanoseconds: 1_000_000_000)
        executing.publish("run-1", "step_started", ["seq": 1])
        executing.publish("run-1", "step", ["seq": 1, "output": .string(String(repeating: "long output ", count: 1000))])
        executing.publish("run-2", "done", ["status": "failed"])  // another run: not this follower's
        executing.publish("run-1", "done", ["status": "succeeded"])
        let received: [RunFeed.Event] = try await withTimeLimit(10) { () async -> [RunFeed.Event] in
            var events: [RunFeed.Event] = []
            for await e in there { events.append(e) }
            return events
        } ?? []
        #expect(received.map(\.name) == ["step_started", "step", "done"])
        #expect(received[1].data["truncated"]?.bool == true, "a step too large to send arrives as a mark")
        #expect(received[2].data["status"]?.string == "succeeded")
        var local: [String] = []
        for await e in here { local.append(e.name) }
        #expect(local == ["step_started", "step", "done"], "the executing replica's followers as before, each event once")
    }
}
