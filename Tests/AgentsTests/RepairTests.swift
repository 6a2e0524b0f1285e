import Core
import FakeLLM
import Foundation
import HTTPClient
import LLM
import Testing
import TestSupport

/// A service that keeps crashing is handed to the code-generation agent, which fixes and redeploys it.
@Suite(.serialized) struct RepairTests {
    @Test func crashTriggersARecordedRepair() async throws {
        let fixed = """
            const port = Number(Deno.env.get("PORT"));
            Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, () => new Response("ok"));
            """
        let fake = try FakeLLMServer([
            .toolCalls([ToolCall(id: "r1", name: "read_file", arguments: #"{"path":"main.ts"}"#)]),
            .toolCalls([ToolCall(id: "r2", name: "write_file", arguments: JSONValue.object(["path": "main.ts", "content": .string(fixed)]).text)]),
            .toolCalls([ToolCall(id: "r3", name: "deploy", arguments: "{}")]),
            .text(["Removed the exit at start-up."]),
        ])
        defer { Task { await fake.shutdown() } }
        let home = try TestPaths.temporaryDirectory("repair")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--llm-base-url", fake.baseURL],
                                    environment: ["OPENPIECES_MAX_FAILED_STARTS": "1"])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        let broken: JSONValue = ["slug": "flaky", "files": [
            "main.ts": "console.error('boom: missing config'); Deno.exit(1);",
            "service.json": #"{"kind":"action","title":"Flaky","endpoints":[]}"#]]
        let created = try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/services", headers: [("Content-Type", "application/json")], body: broken.bytes))
        #expect(created.status == 201)

        // It crashes, gets repaired by the agent, and runs as version 2.
        var service = JSONValue.null
        let deadline = Date().addingTimeInterval(60)  // a loaded machine runs deno check slowly
        while Date() < deadline {
            service = JSONValue.parse(try await client.send(ClientRequest(url: base + "/api/v1/services/flaky")).body) ?? .null
            if service["status"]?.string == "running" && service["version"]?.int == 2 { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(service["status"]?.string == "running")
        #expect(service["version"]?.int == 2)
        #expect(try await client.send(ClientRequest(url: base + "/s/flaky/health")).text == "ok")
        // The agent was told what the platform saw.
        let ask = fake.requests[0]["messages"]?.array?.last?["content"]?.string ?? ""
        #expect(ask.contains("boom: missing config"))
        // The attempt is recorded, in the repairs log and in the Brain's history.
        var repairs = JSONValue.null
        for _ in 0..<50 {
            repairs = JSONValue.parse(try await client.send(ClientRequest(url: base + "/api/v1/services/flaky/repairs")).body) ?? .null
            if repairs["repairs"]?[0]?["ok"]?.bool != nil { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(repairs["repairs"]?[0]?["ok"]?.bool == true)
        // Version 2 records the repair that made it and the agent's session; version 1 was an upload.
        let versions = JSONValue.parse(try await client.send(ClientRequest(url: base + "/api/v1/services/flaky/versions")).body)
        #expect(versions?["versions"]?[0]?["source"]?["kind"]?.string == "upload")
        let source = versions?["versions"]?[1]?["source"]
        #expect(source?["kind"]?.string == "repair")
        #expect(source?["repair"]?.string == repairs["repairs"]?[0]?["id"]?.string)
        #expect(source?["session"]?.string != nil)
        // The Brain entry is written after the attempt is marked: wait for it too.
        var history: JSONValue?
        for _ in 0..<100 {
            history = JSONValue.parse(try await client.send(ClientRequest(url: base + "/api/v1/brain?kind=history&query=repair")).body)
            if history?["entries"]?[0] != nil { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(history?["entries"]?[0]?["text"]?.string?.contains("Auto-repair 1 of service flaky succeeded") == true)
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
