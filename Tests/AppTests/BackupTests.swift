import Core
import Foundation
import HTTPClient
import Testing
import TestSupport

/// `openpieces backup`, `restore` and `migrate` against real servers, on the suite's backend.
@Suite struct BackupTests {
    let client = HTTPClient(defaultHeaders: TestAuth.headers)

    func call(_ method: String, _ url: String, _ body: JSONValue? = nil) async throws -> (Int, JSONValue) {
        let r = try await client.send(ClientRequest(method: method, url: url, headers: [("Content-Type", "application/json")],
                                                    body: body?.bytes ?? [], timeout: 60))
        return (r.status, JSONValue.parse(r.body) ?? .null)
    }

    func serve(_ home: String, _ environment: [String: String] = [:]) async throws -> RunningBinary {
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home], environment: environment)
        try await bin.waitUntilListening()
        return bin
    }

    /// The notes service's list, once the restarted server has it running again (it restores services as it starts;
    /// starting Deno while the whole suite runs on two cores can take tens of seconds).
    func serviceNotes(_ base: String) async throws -> JSONValue {
        var notes: JSONValue = .null
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            notes = try await call("GET", base + "/s/notes-api/notes").1
            if notes["notes"] != nil { break }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        return notes
    }

    func stop(_ bin: RunningBinary) async throws {
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    /// Writes go on while the backup is taken: every write acknowledged before it started is in the restored
    /// server, which runs the same service and still opens the secrets.
    @Test func aBackupTakenUnderWritesRestoresEveryAcknowledgedRowAndTheServices() async throws {
        let home = try TestPaths.temporaryDirectory("backup-src")
        let bin = try await serve(home)
        let base = "http://127.0.0.1:\(bin.port)"
        let (built, out, _) = try await runProduct(["chat", "--url", base, "-m", "create a notes API with title and body"])
        #expect(built == 0, "\(out)")
        #expect(try await call("POST", base + "/s/notes-api/notes", ["title": "kept", "body": "in the service's data"]).0 == 201)
        #expect(try await call("PUT", base + "/api/v1/secrets/API_TOKEN", ["value": "s3cret-value"]).0 == 200)

        // A writer acknowledging memory entries, before, during and after the backup.
        let acknowledged = Locked<[String]>([])
        let stopWriting = Locked(false)
        let writer = Task {
            var i = 0
            while !stopWriting.withLock({ $0 }) {
                let text = "entry \(i) written under load"
                if try await call("POST", base + "/api/v1/brain", ["kind": "fact", "text": .string(text)]).0 == 201 {
                    acknowledged.withLock { $0.append(text) }
                }
                i += 1
            }
        }
        while acknowledged.withLock({ $0.count }) < 20 { try await Task.sleep(nanoseconds: 20_000_000) }
        let before = Set(acknowledged.withLock { $0 })
        let file = (try TestPaths.temporaryDirectory("backup-file") as NSString).appendingPathComponent("openpieces.tar.gz")
        let (code, said, err) = try await runProduct(["backup", file, "--include-master-key", "--home", home])
        #expect(code == 0, "\(said) \(err)")
        #expect(said.contains("backup written") && said.contains("1 service"), "\(said)")
        stopWriting.withLock { $0 = true }
        try await writer.value
        #expect(acknowledged.withLock { $0.count } > before.count, "writes went on during the backup")
        try await stop(bin)
        // Never over an existing file.
        #expect(try await runProduct(["backup", file, "--home", home]).0 == 1)

        let restored = try TestPaths.temporaryDirectory("backup-dst") + "/home"
        let (rc, rout, rerr) = try await runProduct(["restore", file, "--home", restored])
        #expect(rc == 0, "\(rout) \(rerr)")
        #expect(rout.contains("restored"))
        // Never into a data directory in use.
        #expect(try await runProduct(["restore", file, "--home", restored]).0 == 1)

        let again = try await serve(restored)
        let b2 = "http://127.0.0.1:\(again.port)"
        let entries = try await call("GET", b2 + "/api/v1/brain?kind=fact&limit=500").1["entries"]?.array ?? []
        let texts = Set(entries.compactMap { $0["text"]?.string })
        #expect(before.isSubset(of: texts), "lost: \(before.subtracting(texts).sorted().prefix(5))")
        // The same service runs, with its data.
        let services = try await call("GET", b2 + "/api/v1/services").1["services"]?.array ?? []
        let slugs = services.compactMap { $0["slug"]?.string }
        #expect(slugs.contains("notes-api"), "\(slugs)")
        let notes = try await serviceNotes(b2)
        #expect(notes["notes"]?[0]?["title"]?.string == "kept", "\(notes)")
        // The secret is there, still sealed with the key the backup carried.
        let secrets = try await call("GET", b2 + "/api/v1/secrets").1
        #expect("\(secrets)".contains("API_TOKEN"))
        try await stop(again)
    }

    @Test func backupAndRestoreRefuseWhatTheyCannotDo() async throws {
        let empty = try TestPaths.temporaryDirectory("backup-none")
        let file = empty + "/x.tar.gz"
        #expect(try await runProduct(["backup"]).0 == 2)
        if !TestDatabase.isPostgres {
            let (code, _, err) = try await runProduct(["backup", file, "--home", empty + "/nothing"])
            #expect(code == 1 && err.contains("no database"), "\(err)")
        }
        #expect(try await runProduct(["restore", file]).0 == 2)
        _ = FileManager.default.createFile(atPath: file, contents: Data("not a backup".utf8))
        let (code, _, err) = try await runProduct(["restore", file, "--home", empty + "/new"])
        #expect(code == 1 && err.contains("restore failed"), "\(err)")
        #expect(try await runProduct(["migrate"]).0 == 2)
    }

    /// A populated SQLite data directory moved to PostgreSQL: the same services, workflows, runs, secrets and memory.
    @Test(.enabled(if: TestDatabase.isPostgres, "needs the suite's PostgreSQL server"))
    func aSQLiteDataDirectoryMovesToPostgreSQL() async throws {
        let home = try TestPaths.temporaryDirectory("migrate-src")
        let sqliteOnly = ["OPENPIECES_DATABASE_URL": ""]
        let bin = try await serve(home, sqliteOnly)
        let base = "http://127.0.0.1:\(bin.port)"
        #expect(try await runProduct(["chat", "--url", base, "-m", "create a notes API with title and body"],
                                     environment: ["OPENPIECES_TOKEN": TestAuth.token] .merging(sqliteOnly) { a, _ in a }).0 == 0)
        #expect(try await call("POST", base + "/s/notes-api/notes", ["title": "moved", "body": "b"]).0 == 201)
        #expect(try await call("PUT", base + "/api/v1/secrets/API_TOKEN", ["value": "v"]).0 == 200)
        #expect(try await call("POST", base + "/api/v1/brain", ["kind": "decision", "text": "Deploy with three replicas on PostgreSQL"]).0 == 201)
        let (created, workflow) = try await call("POST", base + "/api/v1/workflows", ["slug": "daily-note", "title": "Daily note", "actions": ["notes-api"]])
        #expect(created == 200 || created == 201, "\(workflow)")
        let (queued, run) = try await call("POST", base + "/api/v1/workflows/daily-note/run", ["input": ["day": "today"]])
        #expect((200..<300).contains(queued), "\(run)")
        let runs = try await call("GET", base + "/api/v1/runs").1
        #expect((runs["runs"]?.array?.count ?? 0) >= 1, "\(runs)")
        try await stop(bin)

        let url = try #require(TestDatabase.url(home + "/moved"))
        let (code, out, err) = try await runProduct(["migrate", "--to", url, "--home", home], environment: sqliteOnly)
        #expect(code == 0, "\(out) \(err)")
        #expect(out.contains("moved"))
        // Into an empty database only.
        #expect(try await runProduct(["migrate", "--to", url, "--home", home], environment: sqliteOnly).0 == 1)

        let moved = try await serve(home, ["OPENPIECES_DATABASE_URL": url])
        let b2 = "http://127.0.0.1:\(moved.port)"
        let movedSlugs = (try await call("GET", b2 + "/api/v1/services").1["services"]?.array ?? []).compactMap { $0["slug"]?.string }
        #expect(movedSlugs == ["notes-api"])
        #expect(try await call("GET", b2 + "/api/v1/workflows/daily-note").0 == 200)
        #expect(try await call("GET", b2 + "/api/v1/runs").1["runs"]?.array?.count == runs["runs"]?.array?.count)
        #expect("\(try await call("GET", b2 + "/api/v1/secrets").1)".contains("API_TOKEN"))
        let found = try await call("GET", b2 + "/api/v1/brain?query=replicas%20postgresql").1
        #expect("\(found)".contains("three replicas"), "\(found)")
        let notes = try await serviceNotes(b2)
        #expect(notes["notes"]?[0]?["title"]?.string == "moved", "\(notes)")
        try await stop(moved)
    }
}
