import Core
import Foundation
import Testing
import TestSupport

@Suite struct AssetTests {
    @Test func createReadUpdateDeleteRoundTrip() async throws {
        try await PiecesFixture.with { f in
            let created = try await f.createAsset("func greet() -> String { \"hi\" }\nlet x = greet()", name: "Greeter")
            let id = try #require(created["id"]?.string)
            #expect(created["name"]?.string == "Greeter")
            #expect(created["creator"]?.string == "test-app")
            #expect(created["created"]?["value"]?.string?.hasSuffix("Z") == true)
            #expect(created["created"]?["readable"]?.string?.isEmpty == false)
            let format = try #require(created["formats"]?["iterable"]?[0])
            #expect(format["classification"]?["specific"]?.string == "swift")
            #expect(format["classification"]?["generic"]?.string == "CODE")
            #expect(format["fragment"]?["string"]?["raw"]?.string?.contains("greet") == true)
            #expect(format["application"]?["name"]?.string == "VS_CODE")
            #expect(created["original"]?["id"] == format["id"])
            #expect(created["preview"]?["base"]?["id"] == format["id"])

            // Both path forms clients use.
            #expect(try await f.get("/asset/\(id)")["id"]?.string == id)
            #expect(try await f.get("/assets/\(id)")["name"]?.string == "Greeter")
            #expect(try await f.get("/assets")["iterable"]?.array?.count == 1)

            // Update the name and the text; the language is detected again.
            let updated = try await f.post("/asset/update", ["id": .string(id), "name": "Renamed",
                                                            "original": ["reference": ["fragment": ["string": ["raw": "def f():\n    import os\n    print(os.getcwd())"]]]]])
            #expect(updated["name"]?.string == "Renamed")
            #expect(updated["formats"]?["iterable"]?[0]?["classification"]?["specific"]?.string == "py")
            let searchAfterUpdate = try await f.get("/assets/search?query=getcwd")
            #expect(searchAfterUpdate["iterable"]?.array?.count == 1)

            #expect(try await f.post("/assets/\(id)/delete") == .string(id))
            let (status, err) = try await f.call("GET", "/asset/\(id)")
            #expect(status == 404)
            #expect(err["error"]?["code"]?.string == "not_found")
            #expect(try await f.get("/assets/search?query=getcwd")["iterable"]?.array?.isEmpty == true)
        }
    }

    @Test func formatsAreListedWithTheirAsset() async throws {
        try await PiecesFixture.with { f in
            let sql = "SELECT id, name FROM users WHERE active = 1;\nUPDATE users SET x = 1;"
            let a = try await f.createAsset(sql, language: nil)
            let formatID = try #require(a["formats"]?["iterable"]?[0]?["id"]?.string)
            let all = try await f.get("/formats")
            #expect(all["iterable"]?.array?.count == 1)
            let one = try await f.get("/format/\(formatID)")
            #expect(one["asset"]?["id"] == a["id"])
            #expect(one["classification"]?["specific"]?.string == "sql")
            #expect(one["bytes"]?["value"]?.int == sql.utf8.count)
            #expect(try await f.call("GET", "/format/nope").0 == 404)
        }
    }

    @Test func searchRanksAndMarksExactMatches() async throws {
        try await PiecesFixture.with { f in
            try await f.createAsset("curl -X POST $WEBHOOK_URL -d @summary.json", name: "Post summary to webhook")
            try await f.createAsset("fetch('https://api.weather.example/today').then(r => r.json())\nconst x = 1", name: "Weather fetch")
            try await f.createAsset("Notes about the morning summary format", name: "summary notes")
            let r = try await f.post("/assets/search", ["query": "webhook summary"])
            let items = try #require(r["iterable"]?.array)
            #expect(items.count == 2)
            #expect(items[0]["asset"]?["name"]?.string == "Post summary to webhook", "\(items.map { ($0["asset"]?["name"]?.string, $0["score"]) })")
            #expect(items[0]["match"]?.string == "TITLE" || items[0]["match"]?.string == "MULTIPLE")
            #expect(r["exact"]?.int == 0)
            #expect(r["suggested"]?.int == 2)
            let exact = try await f.get("/assets/search?query=Weather%20fetch")
            #expect(exact["iterable"]?[0]?["exact"]?.bool == true)
            #expect(exact["exact"]?.int == 1)
            // Query syntax never reaches FTS5 as syntax.
            let odd = try await f.get("/assets/search?query=%22%29%28*%20OR%20NEAR")
            #expect(odd["iterable"] != nil)
        }
    }

    @Test func badInputIsRefusedAndNothingIsWritten() async throws {
        try await PiecesFixture.with { f in
            let (s1, e1) = try await f.call("POST", "/assets/create", ["type": "SEEDED_ASSET", "asset": ["format": [:]]])
            #expect(s1 == 400)
            #expect(e1["error"]?["message"]?.string?.contains("asset.format.fragment.string.raw") == true)
            let r = try await f.client.send(.init(method: "POST", url: f.base + "/assets/create", body: Array("{not json".utf8)))
            #expect(r.status == 400)
            #expect(r.text.contains("invalid_json"))
            let big = String(repeating: "x", count: 1024 * 1024 + 1)
            let (s3, e3) = try await f.call("POST", "/assets/create", ["asset": ["format": ["fragment": ["string": ["raw": .string(big)]]]]])
            #expect(s3 == 413)
            #expect(e3["error"]?["code"]?.string == "fragment_too_large")
            let (s4, _) = try await f.call("POST", "/asset/update", ["name": "no id"])
            #expect(s4 == 400)
            let (s5, _) = try await f.call("POST", "/asset/update", ["id": "missing", "name": "x"])
            #expect(s5 == 404)
            let (s6, _) = try await f.call("POST", "/assets/missing/delete")
            #expect(s6 == 404)
            let (s7, _) = try await f.call("GET", "/assets/search")
            #expect(s7 == 400)
            #expect(try await f.get("/assets")["iterable"]?.array?.isEmpty == true)
        }
    }

    @Test func applicationsUserAndSessions() async throws {
        try await PiecesFixture.with { f in
            let app = try await f.post("/applications/register", ["id": "my-ide", "name": "JETBRAINS", "version": "2.0.0", "platform": "LINUX",
                                                                  "onboarded": true, "privacy": "OPEN"])
            #expect(app["name"]?.string == "JETBRAINS")
            let apps = try await f.get("/applications")
            #expect(apps["iterable"]?.array?.contains { $0["id"]?.string == "my-ide" } == true)
            let session = try await f.post("/applications/session/open", "my-ide")
            let sid = try #require(session["id"]?.string)
            let closed = try await f.post("/applications/session/close", .string(sid))
            #expect(closed["id"]?.string == sid)
            #expect(closed["closed"]?["value"] != nil)
            let user = try await f.get("/user")
            #expect(user["id"]?.string == "local-user")
            #expect(user["user"]?["aesthetics"]?["theme"]?["dark"]?.bool == true)
            let (s, _) = try await f.call("POST", "/applications/register", ["id": "x"])
            #expect(s == 400)
        }
    }
}
