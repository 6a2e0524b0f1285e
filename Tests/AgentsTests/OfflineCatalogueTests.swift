import Agents
import Core
import FakeLLM
import Foundation
import HTTPClient
import Testing
import TestSupport

/// With no model configured, plain-English requests of each family go to running services (RequestParser → ServiceGenerator).
@Suite(.serialized) struct OfflineCatalogueTests: OfflineChatting {
    @Test func everyCatalogueItemBecomesARunningService() async throws {
        let home = try TestPaths.temporaryDirectory("offline")
        // The uptime checker watches another server on this machine: local addresses are closed to services unless
        // the administrator excepts one (--egress-allow).
        let target = try FakeLLMServer([.text(["ok"])], loop: true)
        defer { Task { await target.shutdown() } }
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--egress-allow", "127.0.0.1:\(target.port)"])
        try await bin.waitUntilListening()
        let c = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"

        let crud = try await chat(c, base, "create a contacts API with name and email")
        #expect(crud.contains("Built and deployed"), "\(crud)")
        let (s1, made) = try await json(c, "POST", base + "/s/contacts-api/contacts", #"{"name":"Ada","email":"ada@example.com"}"#)
        #expect(s1 == 201)
        #expect(made["name"]?.string == "Ada")
        let id = made["id"]?.int ?? 0
        #expect(try await json(c, "PUT", base + "/s/contacts-api/contacts/\(id)", #"{"email":"a@b.c"}"#).1["email"]?.string == "a@b.c")
        #expect(try await json(c, "POST", base + "/s/contacts-api/contacts", #"{"name":5}"#).0 == 400)
        #expect(try await json(c, "GET", base + "/s/contacts-api/contacts").1["contacts"]?.array?.count == 1)
        #expect(try await json(c, "DELETE", base + "/s/contacts-api/contacts/\(id)").0 == 204)

        _ = try await chat(c, base, "build a key-value store")
        #expect(try await json(c, "PUT", base + "/s/kv-store/kv/color", #"{"value":{"rgb":[1,2,3]}}"#).0 == 200)
        #expect(try await json(c, "GET", base + "/s/kv-store/kv/color").1["value"]?["rgb"] == [1, 2, 3])

        _ = try await chat(c, base, "make a counter")
        _ = try await json(c, "POST", base + "/s/counter/counter/visits/increment", "{}")
        #expect(try await json(c, "POST", base + "/s/counter/counter/visits/increment", #"{"by":2}"#).1["count"]?.int == 3)

        _ = try await chat(c, base, "build a converter")
        #expect(try await json(c, "GET", base + "/s/converter/convert?value=100&from=c&to=f").1["result"]?.double == 212)
        #expect(try await json(c, "GET", base + "/s/converter/convert?value=1&from=km&to=kg").0 == 400)

        _ = try await chat(c, base, "text tools to slugify and count words")
        #expect(try await json(c, "POST", base + "/s/text-tools/slugify", #"{"text":"Héllo, World!"}"#).1["slug"]?.string == "hello-world")
        #expect(try await json(c, "POST", base + "/s/text-tools/count", #"{"text":"one two three"}"#).1["words"]?.int == 3)

        _ = try await chat(c, base, "short links that redirect with 301")
        let (s3, link) = try await json(c, "POST", base + "/s/short-links/links", #"{"url":"https://example.com/a/long/path"}"#)
        #expect(s3 == 201, "\(link.text)")
        let code = try #require(link["code"]?.string)
        let hop = try await c.send(ClientRequest(method: "GET", url: base + "/s/short-links/\(code)"))
        #expect(hop.status == 301)
        #expect(hop.header("Location") == "https://example.com/a/long/path")

        _ = try await chat(c, base, "a fixed table that maps colours to hex codes: red to ff0000, green to 00ff00")
        #expect(try await json(c, "GET", base + "/s/lookup/lookup/green").1["value"]?.string == "00ff00")
        #expect(try await json(c, "GET", base + "/s/lookup/lookup/blue").0 == 404)

        // The uptime checker watches the excepted local server (it declares that host, so Deno lets it through).
        _ = try await chat(c, base, "monitor uptime of \(target.baseURL)/models")
        let services = try await json(c, "GET", base + "/api/v1/services").1["services"]?.array ?? []
        let uptime = try #require(services.first { $0["slug"]?.string?.hasPrefix("uptime-") == true }?["slug"]?.string)
        let (s2, check) = try await json(c, "POST", base + "/s/\(uptime)/check")
        #expect(s2 == 200)
        #expect(check["ok"]?.bool == true)
        #expect(try await json(c, "GET", base + "/s/\(uptime)/history").1["checks"]?.array?.count == 1)

        let outside = try await chat(c, base, "write me a poem about the sea")
        #expect(outside.contains("OPENPIECES_LLM_BASE_URL"))
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func chatCommandBuildsANotesAPIUnder30Seconds() async throws {
        let home = try TestPaths.temporaryDirectory("offline-cli")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await bin.waitUntilListening()
        let base = "http://127.0.0.1:\(bin.port)"
        let started = Date()
        let (code, out, _) = try await runProduct(["chat", "--url", base, "-m", "create a notes API with title and body"])
        #expect(code == 0)
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(out.contains("→ build_service"))
        #expect(out.contains("· codegen notes-api: deploy"))
        // People are shown the service's own origin.
        #expect(out.contains("http://notes-api.localhost:\(bin.port)/"))
        let c = HTTPClient(defaultHeaders: TestAuth.headers)
        let (s, _) = try await json(c, "POST", base + "/s/notes-api/notes", #"{"title":"hello","body":"world"}"#)
        #expect(s == 201)
        #expect(try await json(c, "GET", base + "/s/notes-api/notes").1["notes"]?[0]?["title"]?.string == "hello")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
