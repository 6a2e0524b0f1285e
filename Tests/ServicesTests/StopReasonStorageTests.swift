import Foundation
@testable import Services
import Store
import Testing
import TestSupport

/// A stop reason is stored as a value: reading it back gives the same `StopReason`, and reasons written as prose
/// before the value existed are read back into the kind that wrote them.
@Suite(.offPool) struct StopReasonStorageTests {
    static let every: [StopReason] = [
        .missingSecrets(["A", "B_C"]),
        .crashed(times: 5, exit: "exit code 1", lastOutput: ["one \"quoted\" \\n", "", "two"]),
        .notReady(seconds: 10, lastOutput: ["x"]),
        .limitExceeded(LimitBreach(limit: .openFiles, text: "open files limit reached: 9 open, the limit is 8 (--service-files)")),
        .limitExceeded(LimitBreach(limit: .processes, text: "process limit exceeded: 70 threads and processes, the limit is 64 (--service-processes)")),
        .restarting(after: "signal 9"),
        .noFreePort(40000...40001),
        .launchFailed("cannot start Deno: No such file or directory"),
    ]

    func database(_ name: String, upTo version: Int = .max) throws -> String {
        let path = (try TestPaths.temporaryDirectory(name) as NSString).appendingPathComponent("t.sqlite")
        _ = try TestDatabase.open(path, migrations: ServiceStore.migrations.filter { $0.version <= version })
        return path
    }

    func insert(_ db: Database, _ id: String) throws {
        try db.write { _ = try $0.execute("""
            INSERT INTO services(id, slug, title, kind, status, token, created, updated) VALUES (?, ?, ?, 'action', 'crashed', 't', 'c', 'u')
            """, [id, id, id]) }
    }

    @Test func everyReasonReadsBackAsItWasRecorded() throws {
        let path = try database("stop-reason")
        let db = try TestDatabase.open(path, migrations: ServiceStore.migrations)
        let store = ServiceStore(db: db)
        for (i, reason) in Self.every.enumerated() {
            try insert(db, "s\(i)")
            try store.update("s\(i)", [.status(.crashed), .reason(reason)])
            let back = try #require(try store.find("s\(i)"))
            #expect(back.stopReason == reason)
            #expect(back.reason == reason.text)
            let row = try #require(try db.read { try $0.queryOne("SELECT reason FROM services WHERE id = ?", ["s\(i)"]) })
            #expect(row["reason"].string == reason.text)
        }
        try store.update("s0", [.reason(nil)])
        #expect(try store.find("s0")?.stopReason == nil)
        let row = try #require(try db.read { try $0.queryOne("SELECT reason, stop_reason FROM services WHERE id = 's0'") })
        #expect(row["reason"].isNull && row["stop_reason"].isNull)
    }

    @Test func proseFromBeforeIsReadBackAsItsKind() throws {
        // SQLite only: prose reasons predate the PostgreSQL backend, whose migration 29 has nothing to convert.
        let path = (try TestPaths.temporaryDirectory("stop-reason-legacy") as NSString).appendingPathComponent("s.sqlite")
        let old = try Database(path: path, migrations: ServiceStore.migrations.filter { $0.version <= 28 })
        let legacy = Self.every + [.launchFailed("something no kind says")]
        for (i, reason) in legacy.enumerated() {
            try insert(old, "s\(i)")
            try old.write { _ = try $0.execute("UPDATE services SET reason = ? WHERE id = ?", [reason.text, "s\(i)"]) }
        }
        try insert(old, "none")
        let store = ServiceStore(db: try Database(path: path, migrations: ServiceStore.migrations))
        for (i, reason) in legacy.enumerated() {
            let back = try #require(try store.find("s\(i)"))
            #expect(back.stopReason == reason)
            #expect(back.reason == reason.text)
        }
        #expect(try store.find("none")?.stopReason == nil)
    }

    @Test func anUnknownStoredReasonIsAnError() throws {
        let db = try TestDatabase.open(try database("stop-reason-bad"), migrations: ServiceStore.migrations)
        try insert(db, "b")
        try db.write { _ = try $0.execute("UPDATE services SET stop_reason = '{\"kind\":\"asleep\"}' WHERE id = 'b'") }
        #expect(throws: StoreError.column(name: "stop_reason", message: "holds '{\"kind\":\"asleep\"}', not a known StopReason")) {
            try ServiceStore(db: db).find("b")
        }
    }
}
