import Core
import FakeLLM
import Foundation
import HTTPClient
import LLM
import Testing
import TestSupport

/// "Build me X" end to end: Orchestrator → code-generation agent → files → deno check → test run → deploy → URL,
/// the model's turns scripted by the fake LLM server; Deno is real.
@Suite(.serialized) struct BuildTests {
    static let kvCode = """
        const port = Number(Deno.env.get("PORT"));
        const store = new Map<string, string>();
        Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
          const url = new URL(req.url);
          if (url.pathname === "/health") return new Response("ok");
          const m = url.pathname.match(/^\\/kv\\/([a-z0-9-]+)$/);
          if (m && req.method === "GET") {
            return store.has(m[1]) ? Response.json({ key: m[1], value: store.get(m[1]) })
              : Response.json({ error: { code: "not_found", message: "no such key" } }, { status: 404 });
          }
          if (m && req.method === "PUT") {
            const body = await req.json();
            store.set(m[1], String(body.value));
            return Response.json({ key: m[1], value: store.get(m[1]) });
          }
          return Response.json({ error: { code: "not_found", message: url.pathname } }, { status: 404 });
        });
        """
    static let kvManifest = #"{"kind":"action","title":"Key-value store","description":"Keeps values by key.","endpoints":[{"method":"GET","path":"/kv/:key","description":"Read a value"},{"method":"PUT","path":"/kv/:key","description":"Write a value","inputSchema":{"type":"object","properties":{"key":{"type":"string"},"value":{"type":"string"}},"required":["key","value"]}}]}"#

    static func call(_ name: String, _ args: JSONValue, _ id: String) -> ToolCall { ToolCall(id: id, name: name, arguments: args.text) }

    func events(_ client: HTTPClient, _ base: String, _ chat: String, _ text: String) async throws -> [(String, JSONValue)] {
        let stream = try await client.stream(ClientRequest(method: "POST", url: "\(base)/api/v1/chats/\(chat)/messages",
                                                           headers: [("Content-Type", "application/json")],
                                                           body: JSONValue.object(["content": .string(text)]).bytes, timeout: 0, stallTimeout: 120))
        var raw = ""
        for try await chunk in stream.body { raw += String(decoding: chunk, as: UTF8.self) }
        return sseEvents(raw).map { ($0.name, $0.data) }
    }

    @Test func chatBuildsDeploysAndFixesAServiceReusingItsSession() async throws {
        let edit: JSONValue = ["path": "main.ts",
                               "old_text": "  return Response.json({ error: { code: \"not_found\", message: url.pathname } }, { status: 404 });",
                               "new_text": "  if (m && req.method === \"DELETE\") { store.delete(m[1]); return new Response(null, { status: 204 }); }\n  return Response.json({ error: { code: \"not_found\", message: url.pathname } }, { status: 404 });"]
        let fake = try FakeLLMServer([
            // Orchestrator: commission the code-generation agent.
            .toolCalls([Self.call("build_service", ["slug": "kv", "request": "a key-value store with GET and PUT /kv/:key"], "o1")]),
            // Code-generation agent: write, try to escape, check, test, deploy, summarise.
            .toolCalls([Self.call("write_file", ["path": "main.ts", "content": .string(Self.kvCode)], "g1"),
                        Self.call("write_file", ["path": "service.json", "content": .string(Self.kvManifest)], "g2"),
                        Self.call("write_file", ["path": "../escape.ts", "content": "x"], "g3"),
                        Self.call("read_file", ["path": "/etc/passwd"], "g4")]),
            .toolCalls([Self.call("deno_check", [:], "g5")]),
            .toolCalls([Self.call("test_service", ["requests": [["method": "PUT", "path": "/kv/a", "body": ["value": "1"]], ["method": "GET", "path": "/kv/a"]]], "g6")]),
            .toolCalls([Self.call("deploy", [:], "g7")]),
            .text(["Built kv: GET and PUT /kv/:key."]),
            .text(["Your key-value store is live."]),
            // A fix: the same session is reused.
            .toolCalls([Self.call("build_service", ["slug": "kv", "request": "add DELETE /kv/:key"], "o2")]),
            .toolCalls([Self.call("edit_file", edit, "g8")]),
            .toolCalls([Self.call("deploy", [:], "g9")]),
            .text(["Added DELETE."]),
            .text(["Done: DELETE works now."]),
        ])
        defer { Task { await fake.shutdown() } }
        let home = try TestPaths.temporaryDirectory("build")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--llm-base-url", fake.baseURL, "--llm-model", "fake-model"])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        let chat = try #require(JSONValue.parse(try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats")).body)?["id"]?.string)

        let started = Date()
        let first = try await events(client, base, chat, "build me a key-value store")
        let seconds = Date().timeIntervalSince(started)
        #expect(first.last?.0 == "done")
        #expect(first.last?.1["text"]?.string == "Your key-value store is live.")
        let progress = first.filter { $0.0 == "progress" }.compactMap { $0.1["message"]?.string }
        #expect(progress.contains { $0.contains("write_file main.ts") })
        #expect(progress.contains { $0.contains("deploy") })
        let build = try #require(first.first { $0.0 == "tool_result" && $0.1["name"]?.string == "build_service" }?.1)
        #expect(build["ok"]?.bool == true)
        // A bound against hanging, not a speed claim (bench/ measures speed): the parallel suites, on either backend,
        // can slow one build several times over.
        #expect(seconds < 120)

        // The agent's escape attempts were refused, and it saw why.
        let codegenTurn2 = fake.requests[2]["messages"]?.array ?? []
        let refusals = codegenTurn2.filter { $0["role"]?.string == "tool" }.compactMap { $0["content"]?.string }
        #expect(refusals.contains { $0.contains("outside this service's directory") && $0.contains("../escape.ts") })
        #expect(refusals.contains { $0.contains("/etc/passwd") && $0.contains("outside") })
        // deno check and the test run really ran.
        let afterCheck = fake.requests[3]["messages"]?.array?.last?["content"]?.string ?? ""
        #expect(afterCheck.contains("\"ok\":true"))
        let afterTest = fake.requests[4]["messages"]?.array?.last?["content"]?.string ?? ""
        #expect(afterTest.contains("\"status\":200") && afterTest.contains("\"value\":\"1\""), "\(afterTest)")

        // The deployed service answers at its URL.
        let put = try await client.send(ClientRequest(method: "PUT", url: base + "/s/kv/kv/color", body: Array(#"{"value":"blue"}"#.utf8)))
        #expect(put.status == 200)
        #expect(JSONValue.parse(try await client.send(ClientRequest(url: base + "/s/kv/kv/color")).body)?["value"]?.string == "blue")

        // The fix reuses the session: the agent sees its earlier conversation.
        let second = try await events(client, base, chat, "add delete")
        #expect(second.last?.1["text"]?.string == "Done: DELETE works now.")
        let fixRequest = fake.requests[8]["messages"]?.array ?? []
        #expect(fixRequest.contains { $0["content"]?.string?.contains("Build the service 'kv'") == true })
        #expect(fixRequest.contains { $0["content"]?.string?.contains("Change the service 'kv': add DELETE") == true })
        let service = JSONValue.parse(try await client.send(ClientRequest(url: base + "/api/v1/services/kv")).body)
        #expect(service?["version"]?.int == 2)
        _ = try await client.send(ClientRequest(method: "PUT", url: base + "/s/kv/kv/x", body: Array(#"{"value":"1"}"#.utf8)))
        #expect(try await client.send(ClientRequest(method: "DELETE", url: base + "/s/kv/kv/x")).status == 204)
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
