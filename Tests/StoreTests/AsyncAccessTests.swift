import Foundation
import Store
import Testing
import TestSupport

/// `asyncRead`/`asyncWrite`: SQLite work awaited on the database's own threads, never the caller's.
@Suite struct AsyncAccessTests {
    @Test func readsAndWritesRunOnTheDatabasesThreads() async throws {
        let dir = try TestPaths.temporaryDirectory("store-async")
        let db = try await TestDatabase.open(dir + "/a.sqlite", migrations: [Migration(1, "n", "CREATE TABLE n (i INTEGER PRIMARY KEY, t TEXT)")], readers: 3)
        // Writes run on the one writer thread.
        try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<200 {
                group.addTask {
                    try await db.asyncWrite { conn in
                        try conn.execute("INSERT INTO n(i, t) VALUES (?, ?)", [i, "row \(i)"])
                        return threadName()
                    }
                }
            }
            for try await name in group { #expect(name.hasPrefix("db-write-"), "\(name)") }
        }
        // Many concurrent reads: every one answers, on the reader threads, at most one per reader connection at once.
        let busy = LockedPair()
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 0..<300 {
                group.addTask {
                    try await db.asyncRead { conn in
                        busy.enter()
                        defer { busy.leave() }
                        usleep(1_000)
                        return (try conn.queryOne("SELECT COUNT(*) AS c FROM n WHERE i <= ?", [i])?["c"].int ?? -1, threadName())
                    }
                }
            }
            var seen = 0
            for try await (count, name) in group {
                #expect(count >= 1 && count <= 200)
                #expect(name.hasPrefix("db-read-"), "\(name)")
                seen += 1
            }
            #expect(seen == 300)
        }
        #expect(busy.peak <= 3)
        #expect(try await db.asyncRead { try $0.queryOne("SELECT COUNT(*) AS c FROM n")?["c"].int } == 200)
        // An error in the body reaches the caller, and the transaction is rolled back.
        await #expect(throws: (any Error).self) {
            try await db.asyncWrite { conn in
                try conn.execute("INSERT INTO n(i, t) VALUES (1000, 'x')")
                try conn.execute("INSERT INTO missing VALUES (1)")
            }
        }
        #expect(try await db.asyncRead { try $0.queryOne("SELECT COUNT(*) AS c FROM n")?["c"].int } == 200)
    }
}

/// The calling thread's name as the kernel has it.
private func threadName() -> String {
    ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
}

/// How many bodies run at once, and the most seen.
private final class LockedPair: @unchecked Sendable {
    private let lock = NSLock()
    private var now = 0
    private var highest = 0
    func enter() { lock.lock(); now += 1; highest = max(highest, now); lock.unlock() }
    func leave() { lock.lock(); now -= 1; lock.unlock() }
    var peak: Int { lock.lock(); defer { lock.unlock() }; return highest }
}
