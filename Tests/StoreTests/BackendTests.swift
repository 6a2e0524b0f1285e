import Foundation
@testable import Store
import Testing
import TestSupport

/// What both backends must do alike. Every test runs on SQLite, and on PostgreSQL too when the suite has a server
/// (`OPENPIECES_TEST_DATABASE`, set by scripts/test's PostgreSQL pass).
@Suite(.offPool) struct BackendTests {
    static let backends = TestDatabase.backends

    func open(_ backend: SQLDialect, _ name: String, _ migrations: [Migration], path: String? = nil) throws -> Database {
        let file = try path ?? (TestPaths.temporaryDirectory(name) as NSString).appendingPathComponent("b.sqlite")
        return try Database(location: TestDatabase.location(backend, file), migrations: migrations)
    }

    static let notes = Migration(1, "notes") { d in """
        CREATE TABLE notes (id \(d.autoID), title TEXT NOT NULL UNIQUE, score \(d.real), data \(d.bytes), flag INTEGER, big BIGINT);
        CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL);
        INSERT INTO counter(id, n) VALUES (1, 0);
        """ }

    @Test(arguments: backends) func valuesRoundTripAsTheSameStorageClasses(_ backend: SQLDialect) throws {
        let db = try open(backend, "backend-values", [Self.notes])
        let blob: [UInt8] = [0, 1, 2, 255, 0]
        try db.write { conn in
            try conn.execute("INSERT INTO notes(title, score, data, flag, big) VALUES (?, ?, ?, ?, ?)",
                             ["ünïcode 'quoted' \"double\" ? $1", 2.5, blob, true, Int64.max])
            try conn.execute("INSERT INTO notes(title, score, data, flag, big) VALUES (?, ?, ?, ?, ?)",
                             ["nulls", Optional<Double>.none, Optional<[UInt8]>.none, false, Optional<Int>.none])
        }
        let rows = try db.read { try $0.query("SELECT * FROM notes ORDER BY id") }
        #expect(rows.count == 2)
        #expect(try rows[0].text("title") == "ünïcode 'quoted' \"double\" ? $1")
        #expect(rows[0]["score"] == .real(2.5))
        #expect(rows[0]["data"] == .blob(blob))
        #expect(try rows[0].bool("flag"))
        #expect(rows[0]["big"] == .integer(Int64.max))
        #expect(rows[1]["score"].isNull && rows[1]["data"].isNull && rows[1]["big"].isNull)
        #expect(try rows[0].int("id") < rows[1].int("id"))
        // Aggregates come back as integers where SQLite gives integers (PostgreSQL's SUM is numeric, COUNT bigint).
        let totals = try db.read { try $0.queryOne("SELECT COUNT(*) AS n, SUM(flag) AS s, MAX(score) AS m FROM notes") }
        #expect(totals?["n"] == .integer(2) && totals?["s"] == .integer(1) && totals?["m"] == .real(2.5))
        // A comparison is an integer 0/1 on both.
        #expect(try db.read { try $0.queryOne("SELECT (flag = 1) AS yes FROM notes WHERE title = ?", ["nulls"])?.int("yes") } == 0)
    }

    @Test(arguments: backends) func numberedParametersAreReused(_ backend: SQLDialect) throws {
        let db = try open(backend, "backend-numbered", [Self.notes])
        try db.write { conn in
            for t in ["a", "b", "c"] { try conn.execute("INSERT INTO notes(title, flag) VALUES (?, ?)", [t, t == "b" ? 1 : 0]) }
        }
        let all = try db.read { try $0.query("SELECT title FROM notes WHERE (?1 IS NULL OR title = ?1) ORDER BY title LIMIT ?", [Optional<String>.none, 10]) }
        #expect(all.map { $0["title"].string } == ["a", "b", "c"])
        let one = try db.read { try $0.query("SELECT title FROM notes WHERE (?1 IS NULL OR title = ?1) ORDER BY title LIMIT ?", ["b", 10]) }
        #expect(one.map { $0["title"].string } == ["b"])
        // A wrong number of arguments is refused before anything runs.
        #expect(throws: StoreError.self) { try db.read { try $0.query("SELECT title FROM notes WHERE title = ?", []) } }
    }

    @Test(arguments: backends) func aConstraintIsOneErrorOnBothAndRollsBackTheTransaction(_ backend: SQLDialect) throws {
        let db = try open(backend, "backend-constraint", [Self.notes])
        try db.write { try $0.execute("INSERT INTO notes(title) VALUES (?)", ["same"]) }
        do {
            try db.write { conn in
                try conn.execute("INSERT INTO notes(title) VALUES (?)", ["first of two"])
                try conn.execute("INSERT INTO notes(title) VALUES (?)", ["same"])
            }
            Issue.record("a duplicate was accepted")
        } catch StoreError.constraint {
        }
        #expect(try db.read { try $0.query("SELECT title FROM notes ORDER BY title") }.map { $0["title"].string } == ["same"])
        // The writer is usable afterwards.
        try db.write { try $0.execute("INSERT INTO notes(title) VALUES (?)", ["after"]) }
    }

    /// Two databases on one store stand for two replicas: read-modify-write transactions on both never lose an
    /// update (SQLite's one writer; PostgreSQL's SERIALIZABLE with the write retried on conflict).
    @Test(arguments: backends) func concurrentWritersFromTwoReplicasLoseNoUpdate(_ backend: SQLDialect) async throws {
        let path = (try TestPaths.temporaryDirectory("backend-replicas") as NSString).appendingPathComponent("b.sqlite")
        let a = try open(backend, "", [Self.notes], path: path), b = try open(backend, "", [Self.notes], path: path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for db in [a, b] {
                group.addTask {
                    try await offPool {
                        for _ in 0..<150 {
                            try db.write { conn in
                                let n = try conn.queryOne("SELECT n FROM counter WHERE id = 1")!.int("n")
                                try conn.execute("UPDATE counter SET n = ? WHERE id = 1", [n + 1])
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try a.read { try $0.queryOne("SELECT n FROM counter WHERE id = 1")?.int("n") } == 300)
    }

    /// Replicas starting together on a fresh database: one migrates, the others find it done.
    @Test(arguments: backends) func replicasStartingTogetherMigrateOnce(_ backend: SQLDialect) async throws {
        let path = (try TestPaths.temporaryDirectory("backend-migrate") as NSString).appendingPathComponent("b.sqlite")
        let second = Migration(2, "tags", "CREATE TABLE tags (name TEXT PRIMARY KEY); INSERT INTO tags(name) VALUES ('seed');")
        let versions = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<3 {
                group.addTask { try await offPool { try self.open(backend, "", [Self.notes, second], path: path).schemaVersion() } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(versions == [2, 2, 2])
        let db = try open(backend, "", [Self.notes, second], path: path)
        #expect(try db.read { try $0.queryOne("SELECT COUNT(*) AS n FROM tags")?.int("n") } == 1)
        #expect(try db.read { try $0.queryOne("SELECT COUNT(*) AS n FROM schema_migrations")?.int("n") } == 2)
    }

    static let docs = TextIndex(table: "doc_search", key: "doc_id", columns: [("title", 10.0), ("body", 1.0)])

    /// The search contract: prefix words, case and accents ignored, all or any terms, a title's words outrank a body's.
    @Test(arguments: backends) func textSearchRanksTheSameWayOnBoth(_ backend: SQLDialect) throws {
        let db = try open(backend, "backend-search", [Migration(1, "docs") { d in Self.docs.create(d) }])
        try db.write { conn in
            try Self.docs.insert(conn, id: "title-hit", ["Kubernetes deployment", "how we ship"])
            try Self.docs.insert(conn, id: "body-hit", ["Release notes", "the kubernetes cluster got a new node"])
            try Self.docs.insert(conn, id: "accents", ["Café menu", "crème brûlée and more"])
            try Self.docs.insert(conn, id: "other", ["Groceries", "milk, eggs"])
        }
        func search(_ terms: [String], _ match: TextIndex.Match) throws -> [(String, Double)] {
            guard let s = Self.docs.search(db.dialect, terms: terms, match: match) else { return [] }
            return try db.read { conn in
                try conn.query("SELECT s.doc_id, \(s.relevance) AS relevance FROM \(s.from) WHERE \(s.condition) ORDER BY relevance DESC",
                               [s.argument]).map { (try $0.text("doc_id"), try $0.double("relevance")) }
            }
        }
        let kube = try search(["kuber"], .all)
        #expect(kube.map(\.0) == ["title-hit", "body-hit"], "\(kube)")
        #expect(kube.allSatisfy { $0.1 > 0 })
        #expect(try search(["CAFE", "creme"], .all).map(\.0) == ["accents"])
        #expect(try search(["cafe", "groceries"], .all).isEmpty)
        #expect(Set(try search(["cafe", "groceries"], .any).map(\.0)) == ["accents", "other"])
        // Syntax of either engine in a term is just dropped characters, never an error.
        #expect(try search(["\"kube*", "' OR 1=1 --", "&|!:*"], .any).map(\.0) == ["title-hit", "body-hit"])
        #expect(Self.docs.search(db.dialect, terms: ["*", "\""], match: .any) == nil)
        // Replacing and removing keep the index in step.
        try db.write { try Self.docs.replace($0, id: "title-hit", ["Gardening", "tomatoes"]) }
        #expect(try search(["kubernetes"], .all).map(\.0) == ["body-hit"])
        try db.write { try Self.docs.remove($0, id: "body-hit") }
        #expect(try search(["kubernetes"], .all).isEmpty)
    }
}

@Suite struct DatabaseLocationTests {
    @Test func aPostgresURLKeepsItsSchemaApartAndHidesThePassword() throws {
        let a = try PostgresAddress("postgres://op:s3cret@db.internal:5432/openpieces?schema=tenant_1&sslmode=require")
        #expect(a.schema == "tenant_1")
        #expect(!a.conninfo.contains("schema=") && a.conninfo.contains("sslmode=require"))
        #expect(!a.redacted.contains("s3cret") && a.redacted.contains("***") && a.redacted.contains("schema=tenant_1"))
        #expect(DatabaseLocation.postgres(a).dialect == .postgres)
    }

    @Test func aBadURLSaysWhatToWrite() {
        for bad in ["mysql://x/y", "openpieces.sqlite", "postgres://h/db?schema=Bad-Name", "postgres://h/db?schema="] {
            do {
                _ = try PostgresAddress(bad)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.description.contains("postgres://") || error.description.contains("schema="), "\(error)")
            }
        }
    }

    @Test func anUnreachableServerIsAClearError() throws {
        // Port 1 on loopback: nothing listens there.
        do {
            _ = try Database(location: .postgres(try PostgresAddress("postgres://nobody@127.0.0.1:1/none?connect_timeout=2")), migrations: [])
            Issue.record("connected to nothing")
        } catch let e as StoreError {
            #expect(e.description.contains("PostgreSQL is running"), "\(e)")
        }
    }
}

@Suite struct PostgresParametersTests {
    @Test func questionMarksBecomeNumbersOutsideQuotesAndComments() {
        let (sql, n) = PostgresParameters.numbered("SELECT '?''?', \"a?\", ? -- ?\n, ?3, ?, /* ? */ ?")
        #expect(sql == "SELECT '?''?', \"a?\", $1 -- ?\n, $3, $4, /* ? */ $5")
        #expect(n == 5)
        #expect(PostgresParameters.numbered("SELECT 1").count == 0)
        #expect(PostgresParameters.numbered("WHERE (?1 IS NULL OR a = ?1) LIMIT ? OFFSET ?").sql == "WHERE ($1 IS NULL OR a = $1) LIMIT $2 OFFSET $3")
    }
}
