import Core
import FakeLLM
import Foundation
import HTTPClient
import LLM
import Testing
import TestSupport

/// The service contract as a model meets it through the tools: test runs that show what was built (status, headers,
/// body, the events a trigger sent, problems), each from empty storage; platform calls that arrive as public requests.
@Suite(.serialized) struct ContractTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/fixtures"

    static func call(_ name: String, _ args: JSONValue, _ id: String) -> ToolCall { ToolCall(id: id, name: name, arguments: args.text) }
    static func file(_ dir: String, _ name: String) throws -> JSONValue { .string(try String(contentsOfFile: "\(fixtures)/\(dir)/\(name)", encoding: .utf8)) }

    /// Starts the binary on the scripted model, sends one chat message, returns (binary, fake, base).
    static func chat(_ turns: [FakeLLMServer.Turn], _ message: String) async throws -> (RunningBinary, FakeLLMServer, String) {
        let fake = try FakeLLMServer(turns)
        let bin = try RunningBinary(["serve", "--port", "0", "--home", try TestPaths.temporaryDirectory("contract"), "--llm-base-url", fake.baseURL, "--llm-model", "m"])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        let chat = try #require(JSONValue.parse(try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats")).body)?["id"]?.string)
        let stream = try await client.stream(ClientRequest(method: "POST", url: "\(base)/api/v1/chats/\(chat)/messages", headers: [("Content-Type", "application/json")],
                                                           body: JSONValue.object(["content": .string(message)]).bytes, timeout: 0, stallTimeout: 120))
        for try await _ in stream.body {}
        return (bin, fake, base)
    }

    /// The tool result the model was given before its `n`th turn.
    static func result(_ fake: FakeLLMServer, _ n: Int) -> JSONValue {
        JSONValue.parse(fake.requests[n]["messages"]?.array?.last?["content"]?.string ?? "") ?? .null
    }

    @Test func aShortenerHandsOutLinksAtItsPublicURLAndTheModelSeesTheRedirect() async throws {
        let (bin, fake, _) = try await Self.chat([
            .toolCalls([Self.call("build_service", ["slug": "short", "request": "a URL shortener"], "o1")]),
            .toolCalls([Self.call("write_file", ["path": "main.ts", "content": try Self.file("shortener", "main.ts")], "g1"),
                        Self.call("write_file", ["path": "service.json", "content": try Self.file("shortener", "service.json")], "g2")]),
            .toolCalls([Self.call("test_service", [:], "g3")]),
            .toolCalls([Self.call("test_service", [:], "g4")]),
            .toolCalls([Self.call("deploy", [:], "g5")]),
            .text(["Built the shortener."]),
            .toolCalls([Self.call("endpoints_call", ["slug": "short", "endpoint": "POST /links", "input": ["url": "https://example.com/a/long/path"]], "o2")]),
            .toolCalls([Self.call("endpoints_call", ["slug": "short", "endpoint": "GET /1"], "o3")]),
            .text(["Your shortener works: short links redirect."]),
        ], "I need a URL shortener")
        defer { Task { await fake.shutdown() } }

        // The default test plan: every endpoint, from its schema; the created code fills the path parameter.
        let test = Self.result(fake, 3)
        #expect(test["ok"]?.bool == true, "\(test.text)")
        let results = test["results"]?.array ?? []
        let created = try #require(results.first { $0["method"]?.string == "POST" })
        #expect(created["status"]?.int == 201)
        #expect(created["body"]?["short"]?.string?.hasPrefix("http://127.0.0.1:") == true, "a test run's public URL is its scratch address")
        let followed = try #require(results.first { $0["path"]?.string == "/1" })
        #expect(followed["status"]?.int == 302)
        #expect(followed["headers"]?["location"]?.string == "https://example.com/a/long/path?from=test", "\(followed.text)")
        // Each run starts from an empty data/: the second run's first link is "1" again.
        #expect(Self.result(fake, 4)["results"]?.array?.first { $0["method"]?.string == "POST" }?["body"]?["code"]?.string == "1")

        // Through the platform, the service hands out links at its own public URL, and the model sees the redirect.
        let made = Self.result(fake, 7)
        #expect(made["status"]?.int == 201)
        #expect(made["output"]?["short"]?.string == "http://short.localhost:\(bin.port)/1", "\(made.text)")
        let redirect = Self.result(fake, 8)
        #expect(redirect["status"]?.int == 302, "\(redirect.text)")
        #expect(redirect["headers"]?["location"]?.string == "https://example.com/a/long/path")
        // And the link works for people: at the service's URL, through the proxy.
        let raw = try RawClient(port: bin.port)
        try raw.send("GET /1 HTTP/1.1\r\nHost: short.localhost:\(bin.port)\r\nConnection: close\r\n\r\n")
        let r = try await raw.readResponse()
        #expect(r.status == 302)
        #expect(r.header("Location") == "https://example.com/a/long/path")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func aTestRunFlagsBrokenEndpointsAndShowsATriggersEvents() async throws {
        let (bin, fake, _) = try await Self.chat([
            .toolCalls([Self.call("build_service", ["slug": "broken", "request": "items"], "o1")]),
            .toolCalls([Self.call("write_file", ["path": "main.ts", "content": try Self.file("broken", "main.ts")], "g1"),
                        Self.call("write_file", ["path": "service.json", "content": try Self.file("broken", "service.json")], "g2")]),
            .toolCalls([Self.call("test_service", [:], "g3")]),
            .text(["It is broken."]),
            .toolCalls([Self.call("build_service", ["slug": "orders-hook", "request": "an order webhook"], "o2")]),
            .toolCalls([Self.call("write_file", ["path": "main.ts", "content": try Self.file("trigger", "main.ts")], "h1"),
                        Self.call("write_file", ["path": "service.json", "content": try Self.file("trigger", "service.json")], "h2")]),
            .toolCalls([Self.call("test_service", ["requests": [["method": "POST", "path": "/orders", "body": ["id": 7, "total": 150]],
                                                                ["method": "POST", "path": "/orders", "body": ["total": "lots"]]]], "h3")]),
            .text(["The trigger reports orders."]),
            .text(["Done."]),
        ], "build two things")
        defer { Task { await fake.shutdown() } }

        let broken = Self.result(fake, 3)
        #expect(broken["ok"]?.bool == false)
        let problems = (broken["problems"]?.array ?? []).compactMap(\.string)
        #expect(problems.contains { $0.contains("POST /items") && $0.contains("500") }, "\(problems)")
        #expect(problems.contains { $0.contains("GET /items") && $0.contains("not JSON") }, "\(problems)")
        #expect(problems.contains { $0.contains("DELETE /items/") && $0.contains("route is missing") }, "\(problems)")
        #expect(problems.contains { $0.contains("GET /count") && $0.contains("outputSchema") }, "\(problems)")

        let trigger = Self.result(fake, 7)
        #expect(trigger["ok"]?.bool == true, "\(trigger.text)")
        let events = trigger["events"]?.array ?? []
        #expect(events.count == 1, "the invalid order was refused before notifying: \(events)")
        #expect(events.first?["event"]?.string == "order.received")
        #expect(events.first?["payload"]?["total"]?.double == 150)
        #expect(events.first?["idempotencyKey"]?.string == "7")
        #expect(trigger["results"]?[0]?["status"]?.int == 202, "the trigger passed on the platform's 202")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
