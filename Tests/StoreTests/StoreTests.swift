import Foundation
import Processes
import Store
import Testing
import TestSupport

/// The SQLite driver: WAL, FTS5, PRAGMAs, the crash probe. Backend-neutral behaviour is in `BackendTests`.
@Suite(.offPool) struct StoreTests {
    let migrations = [
        Migration(1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL UNIQUE, score REAL, data BLOB, flag INTEGER)"),
        Migration(2, "notes_fts", """
            CREATE VIRTUAL TABLE notes_fts USING fts5(title, content='notes', content_rowid='id');
            CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN INSERT INTO notes_fts(rowid, title) VALUES (new.id, new.title); END;
            """),
    ]

    func freshPath() throws -> String {
        (try TestPaths.temporaryDirectory("store") as NSString).appendingPathComponent("t.sqlite")
    }

    @Test func migrationsRunOnceAndInOrder() throws {
        let path = try freshPath()
        do {
            let db = try Database(path: path, migrations: [migrations[0]])
            #expect(try db.schemaVersion() == 1)
            try db.write { try $0.execute("INSERT INTO notes(title) VALUES (?)", ["kept"]) }
        }
        // Reopening with a new migration applies only that one; data survives.
        let db = try Database(path: path, migrations: migrations)
        #expect(try db.schemaVersion() == 2)
        #expect(try db.read { try $0.query("SELECT title FROM notes") }.map { $0["title"].string } == ["kept"])
        let applied = try db.read { try $0.query("SELECT version, name FROM schema_migrations ORDER BY version") }
        #expect(applied.map { $0["name"].string } == ["notes", "notes_fts"])
        // Journal mode is WAL.
        #expect(try db.read { try $0.queryOne("PRAGMA journal_mode")?[0].string } == "wal")
    }

    @Test func olderBinaryRefusesNewerDatabase() throws {
        let path = try freshPath()
        _ = try Database(path: path, migrations: migrations)
        #expect(throws: StoreError.newerSchema(found: 2, known: 1)) {
            _ = try Database(path: path, migrations: [migrations[0]])
        }
    }

    @Test func failedMigrationLeavesPreviousVersion() throws {
        let path = try freshPath()
        let broken = Migration(3, "broken", "CREATE TABLE ok_part (x INTEGER); THIS IS NOT SQL;")
        #expect(throws: StoreError.self) { _ = try Database(path: path, migrations: migrations + [broken]) }
        let db = try Database(path: path, migrations: migrations)
        #expect(try db.schemaVersion() == 2)
        let tables = try db.read { try $0.query("SELECT name FROM sqlite_master WHERE name = 'ok_part'") }
        #expect(tables.isEmpty)
    }

    @Test func typedBindingsRoundTrip() throws {
        let db = try Database(path: try freshPath(), migrations: migrations)
        let blob: [UInt8] = [0, 1, 2, 255]
        try db.write {
            try $0.execute("INSERT INTO notes(title, score, data, flag) VALUES (?, ?, ?, ?)", ["ünïcode 'quoted'", 2.5, blob, true])
            try $0.execute("INSERT INTO notes(title, score, data, flag) VALUES (?, ?, ?, ?)", ["nulls", Optional<Double>.none, Optional<[UInt8]>.none, false])
        }
        let rows = try db.read { try $0.query("SELECT * FROM notes ORDER BY id") }
        #expect(rows[0]["title"].string == "ünïcode 'quoted'")
        #expect(rows[0]["score"].double == 2.5)
        #expect(rows[0]["data"].bytes == blob)
        #expect(rows[0]["flag"].bool == true)
        #expect(rows[1]["score"].isNull)
        #expect(rows[1]["flag"].bool == false)
    }

    enum Mood: String { case calm }

    @Test func rowReadersThrowOnMissingColumnsAndWrongKinds() throws {
        let db = try Database(path: try freshPath(), migrations: migrations)
        try db.write { try $0.execute("INSERT INTO notes(title, score) VALUES ('n', NULL)") }
        let row = try #require(try db.read { try $0.queryOne("SELECT id, title, score FROM notes") })
        #expect(try row.text("title") == "n")
        #expect(try row.int("id") == 1)
        #expect(try row.optionalInt("score") == nil)
        #expect(throws: StoreError.column(name: "titel", message: "is not in the row")) { try row.text("titel") }
        #expect(throws: StoreError.column(name: "title", message: "holds text, not an integer")) { try row.int("title") }
        #expect(throws: StoreError.column(name: "score", message: "holds NULL, not text")) { try row.text("score") }
        #expect(throws: StoreError.column(name: "title", message: "holds 'n', not a known Mood")) { try row.decode("title", as: Mood.self) }
    }

    @Test func numberAndFlagReadersThrowOnMissingColumnsAndWrongKinds() throws {
        let db = try Database(path: try freshPath(), migrations: migrations)
        try db.write { try $0.execute("INSERT INTO notes(title, score, flag) VALUES ('n', 2.5, 1), ('m', NULL, 7)") }
        let rows = try db.read { try $0.query("SELECT id, title, score, flag FROM notes ORDER BY id") }
        #expect(try rows[0].double("score") == 2.5)
        #expect(try rows[0].double("id") == 1)
        #expect(try rows[0].bool("flag") == true)
        #expect(try rows[1].optionalDouble("score") == nil)
        #expect(try rows[1].optionalBool("score") == nil)
        #expect(throws: StoreError.column(name: "scor", message: "is not in the row")) { try rows[0].double("scor") }
        #expect(throws: StoreError.column(name: "title", message: "holds text, not a number")) { try rows[0].double("title") }
        #expect(throws: StoreError.column(name: "score", message: "holds NULL, not a number")) { try rows[1].double("score") }
        #expect(throws: StoreError.column(name: "flag", message: "holds 7, not 0 or 1")) { try rows[1].bool("flag") }
        #expect(throws: StoreError.column(name: "flg", message: "is not in the row")) { try rows[1].optionalBool("flg") }
    }

    @Test func failedTransactionRollsBackEverything() throws {
        let db = try Database(path: try freshPath(), migrations: migrations)
        try db.write { try $0.execute("INSERT INTO notes(title) VALUES ('a')") }
        #expect(throws: StoreError.self) {
            try db.write { conn in
                try conn.execute("INSERT INTO notes(title) VALUES ('b')")
                try conn.execute("INSERT INTO notes(title) VALUES ('a')")  // UNIQUE violation
            }
        }
        #expect(try db.read { try $0.query("SELECT title FROM notes") }.count == 1)
    }

    @Test func constraintErrorsAreNamed() throws {
        let db = try Database(path: try freshPath(), migrations: migrations)
        try db.write { try $0.execute("INSERT INTO notes(title) VALUES ('a')") }
        do {
            try db.write { try $0.execute("INSERT INTO notes(title) VALUES ('a')") }
            Issue.record("expected a constraint error")
        } catch let StoreError.constraint(message) {
            #expect(message.contains("UNIQUE"))
        }
    }

    @Test func wrongParameterCountIsAnError() throws {
        let db = try Database(path: try freshPath(), migrations: migrations)
        #expect(throws: StoreError.self) { try db.write { try $0.execute("INSERT INTO notes(title) VALUES (?)", []) } }
    }

    @Test func fullTextSearchWorks() throws {
        let db = try Database(path: try freshPath(), migrations: migrations)
        try db.write { conn in
            for t in ["post summary to webhook", "fetch weather every morning", "webhook for github"] {
                try conn.execute("INSERT INTO notes(title) VALUES (?)", [t])
            }
        }
        let hits = try db.read { try $0.query("SELECT rowid FROM notes_fts WHERE notes_fts MATCH ? ORDER BY rank", ["webhook"]) }
        #expect(hits.count == 2)
    }

    @Test func readersSeeCommittedWritesConcurrently() async throws {
        let db = try Database(path: try freshPath(), migrations: migrations)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<200 { try db.write { try $0.execute("INSERT INTO notes(title) VALUES (?)", ["n\(i)"]) } }
            }
            for _ in 0..<4 {
                group.addTask {
                    var last = 0
                    for _ in 0..<200 {
                        let n = try db.read { try $0.queryOne("SELECT COUNT(*) AS n FROM notes")?["n"].int ?? 0 }
                        #expect(n >= last)  // snapshots never go backwards
                        last = n
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try db.read { try $0.queryOne("SELECT COUNT(*) AS n FROM notes")?["n"].int } == 200)
    }

    @Test func openingAnUnwritableLocationSaysWhatToDo() throws {
        do {
            _ = try Database(path: "/proc/definitely/not/here.sqlite", migrations: migrations)
            Issue.record("expected an error")
        } catch let e as StoreError {
            #expect(e.description.contains("--home"))
        }
    }
}

@Suite struct DurabilityTests {
    /// A child process writes rows and prints each id once its write returned; we SIGKILL it mid-stream.
    /// Every acknowledged id must be in the database when it is reopened.
    @Test(arguments: [150, 600, 1500])
    func killDashNineLosesNoAcknowledgedWrite(_ killAfter: Int) async throws {
        let dir = try TestPaths.temporaryDirectory("crash")
        let path = (dir as NSString).appendingPathComponent("crash.sqlite")
        let child = ChildProcess()
        child.executableURL = URL(fileURLWithPath: TestPaths.product("CrashProbe"))
        child.arguments = [path]
        let out = Pipe()
        child.standardOutput = out
        try child.run()

        let handle = out.fileHandleForReading
        let acknowledged: [Int] = try await offPool {
            var acked: [Int] = []
            var pending = ""
            while acked.count < killAfter {
                let data = handle.availableData
                if data.isEmpty { break }
                pending += String(decoding: data, as: UTF8.self)
                while let nl = pending.firstIndex(of: "\n") {
                    if let id = Int(pending[..<nl]) { acked.append(id) }
                    pending = String(pending[pending.index(after: nl)...])
                }
            }
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            return acked
        }
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(acknowledged.count >= killAfter)

        let db = try Database(path: path, migrations: [
            Migration(1, "probe", "CREATE TABLE probe (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)"),
        ])
        let stored = Set(try db.read { try $0.query("SELECT id FROM probe") }.compactMap { $0["id"].int })
        let lost = acknowledged.filter { !stored.contains($0) }
        #expect(lost.isEmpty, "acknowledged but lost: \(lost.prefix(10))")
        #expect(try db.read { try $0.queryOne("PRAGMA integrity_check")?[0].string } == "ok")
    }
}
