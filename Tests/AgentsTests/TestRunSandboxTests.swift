import Core
import FakeLLM
import Foundation
import HTTPClient
import LLM
import Services
import Testing
import TestSupport

/// The code-generation agent's test runs start through the same sandbox as deployed services: a manifest that lists
/// the platform's port or the metadata address is refused there exactly as a deploy is, and the run never sees the
/// user's secret values.
@Suite(.serialized) struct TestRunSandboxTests {
    static func call(_ name: String, _ args: JSONValue, _ id: String) -> ToolCall { ToolCall(id: id, name: name, arguments: args.text) }

    static let code = """
        const port = Number(Deno.env.get("PORT"));
        Deno.serve({ hostname: "127.0.0.1", port }, (req) => {
          const url = new URL(req.url);
          if (url.pathname === "/health") return new Response("ok");
          return Response.json({ key: Deno.env.get("API_KEY") ?? null });
        });
        """

    static func manifest(hosts: [String]) -> JSONValue {
        .string(JSONValue.object(["kind": "action", "title": "Peek", "description": "Shows what a test run is given.",
                                  "endpoints": [["method": "GET", "path": "/key", "description": "The API_KEY it sees."]],
                                  "secrets": ["API_KEY"], "hosts": .array(hosts.map { .string($0) })]).text)
    }

    @Test func aTestRunIsRefusedWhatADeployIsAndGetsNoRealSecrets() async throws {
        // Chosen before the server starts (the script names it): below the kernel's ephemeral range, so no client connection takes it meanwhile.
        let port = try #require(Probe.freePort(in: 23000...23999, avoiding: []))
        let fake = try FakeLLMServer([
            .toolCalls([Self.call("build_service", ["slug": "peek", "request": "show the key"], "o1")]),
            .toolCalls([Self.call("write_file", ["path": "main.ts", "content": .string(Self.code)], "g1"),
                        Self.call("write_file", ["path": "service.json", "content": Self.manifest(hosts: ["127.0.0.1:\(port)"])], "g2")]),
            .toolCalls([Self.call("test_service", [:], "g3")]),
            .toolCalls([Self.call("write_file", ["path": "service.json", "content": Self.manifest(hosts: ["169.254.169.254"])], "g4")]),
            .toolCalls([Self.call("test_service", [:], "g5")]),
            .toolCalls([Self.call("write_file", ["path": "service.json", "content": Self.manifest(hosts: [])], "g6")]),
            .toolCalls([Self.call("test_service", ["requests": [["method": "GET", "path": "/key"]]], "g7")]),
            .text(["Gave up."]),
            .text(["I could not deploy it."]),
        ])
        defer { Task { await fake.shutdown() } }
        let home = try TestPaths.temporaryDirectory("testrun")
        let bin = try RunningBinary(["serve", "--port", "\(port)", "--home", home, "--llm-base-url", fake.baseURL, "--llm-model", "fake-model"])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        let secret = "sk-real-\(UUID().uuidString)"
        #expect(try await client.send(ClientRequest(method: "PUT", url: base + "/api/v1/secrets/API_KEY", body: JSONValue.object(["value": .string(secret)]).bytes)).status == 200)
        let chat = try #require(JSONValue.parse(try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats")).body)?["id"]?.string)
        let stream = try await client.stream(ClientRequest(method: "POST", url: "\(base)/api/v1/chats/\(chat)/messages", headers: [("Content-Type", "application/json")],
                                                           body: JSONValue.object(["content": "build peek"]).bytes, timeout: 0, stallTimeout: 120))
        for try await _ in stream.body {}

        func toolResult(_ request: Int) -> String { fake.requests[request]["messages"]?.array?.last?["content"]?.string ?? "" }
        let platformPort = toolResult(3)
        #expect(platformPort.contains("127.0.0.1:\(port), a loopback address"), "\(platformPort)")
        #expect(platformPort.contains("Remove it from hosts"))
        let metadata = toolResult(5)
        #expect(metadata.contains("169.254.169.254, a link-local address"), "\(metadata)")
        // The run that starts sees a placeholder, never the user's value.
        let ran = toolResult(7)
        #expect(ran.contains("test-api_key"), "\(ran)")
        #expect(!ran.contains(secret))
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
