import Core
import Foundation
import HTTPClient
import Testing
import TestSupport

/// The Brain through the API and the CLI of the real binary.
@Suite struct BrainAPITests {
    @Test func writeSearchEditDeleteOverHTTPAndCLI() async throws {
        let home = try TestPaths.temporaryDirectory("brainapi")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await bin.waitUntilListening()
        let base = "http://127.0.0.1:\(bin.port)"
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        func call(_ m: String, _ path: String, _ body: JSONValue? = nil) async throws -> (Int, JSONValue) {
            let r = try await client.send(ClientRequest(method: m, url: base + path, headers: [("Content-Type", "application/json")], body: body?.bytes))
            return (r.status, JSONValue.parse(r.body) ?? .null)
        }
        let (s1, created) = try await call("POST", "/api/v1/brain", ["kind": "preference", "text": "Post daily summaries to Slack at 8", "tags": ["slack"]])
        #expect(s1 == 201)
        let (s2, again) = try await call("POST", "/api/v1/brain", ["kind": "preference", "text": "post daily summaries to slack at 8"])
        #expect(s2 == 200)
        #expect(again["merged"]?.bool == true)
        #expect(again["id"] == created["id"])
        let (_, found) = try await call("GET", "/api/v1/brain?query=slack%20summaries&kind=preference")
        #expect(found["entries"]?[0]?["id"] == created["id"])
        let (s3, bad) = try await call("POST", "/api/v1/brain", ["kind": "gossip", "text": "x"])
        #expect(s3 == 400)
        #expect(bad["error"]?["message"]?.string?.contains("body.kind: must be one of") == true)
        let (s4, _) = try await call("GET", "/api/v1/brain?kind=gossip")
        #expect(s4 == 400)

        let (code, out, _) = try await runProduct(["brain", "search", "slack", "--url", base])
        #expect(code == 0)
        #expect(out.contains("Post daily summaries to Slack at 8"))
        let id = created["id"]!.string!
        let (s5, edited) = try await call("PATCH", "/api/v1/brain/\(id)", ["text": "Post daily summaries to Slack at 9"])
        #expect(s5 == 200)
        #expect(edited["text"]?.string == "Post daily summaries to Slack at 9")
        #expect(try await call("DELETE", "/api/v1/brain/\(id)").0 == 204)
        #expect(try await call("GET", "/api/v1/brain/\(id)").0 == 404)
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
