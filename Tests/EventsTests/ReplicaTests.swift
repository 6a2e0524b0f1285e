import App
import Core
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
            for (db, owner) in [(a, "replica-a"), (b, "replica-b")] {
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
        #expect(try RunStore(db: b).claim(owner: "replica-c", lease: 60) == nil)
        // A replica that starts does not void the others' leases on a shared store.
        #expect(try RunStore(db: b).releaseAllLeases() == (backend == .sqlite ? queued.count : 0))
    }

    @Test(arguments: TestDatabase.backends) func oneReplicaLeadsAndAnotherTakesOverWhenItsConnectionDies(_ backend: SQLDialect) async throws {
        let (a, b) = try await replicas(backend, "replica-lead")
        let first = Leadership(a, name: "scheduler"), second = Leadership(b, name: "scheduler")
        try await offPool {
            #expect(first.check())
            guard backend == .postgres else {
                #expect(second.check(), "one process per SQLite store: it always leads")
                return
            }
            #expect(!second.check())
            #expect(first.check(), "the leader keeps its lease")
            // Another name is another lease.
            #expect(Leadership(b, name: "other").check())
            // The leader's session ends (its process died): the lock goes with it, and the follower takes over.
            try b.write { conn in
                _ = try conn.query("""
                    SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2
                      AND classid = CAST(hashtext('scheduler') AS oid) AND objid = CAST(hashtext(current_schema()) AS oid) AND granted
                    """)
            }
            #expect(second.check())
            #expect(!first.check(), "the old leader finds its lease gone")
            #expect(!first.check(), "and does not get it back while the new one holds it")
            second.resign()
            #expect(first.check())
        }
    }
}
