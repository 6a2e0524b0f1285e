import Core
import FakeLLM
import Foundation
import HTTPClient
import LLM
import Testing
import TestSupport

/// The Orchestrator's endpoints_call tool reaches a running service (through the same call the API makes).
@Suite(.serialized) struct EndpointToolTests {
    @Test func orchestratorCallsAnEndpoint() async throws {
        let fake = try FakeLLMServer([
            .toolCalls([ToolCall(id: "c1", name: "endpoints_call", arguments: #"{"slug":"notes","endpoint_id":"POST /notes","input":{"text":"from the agent"}}"#)]),
            .toolCalls([ToolCall(id: "c2", name: "endpoints_call", arguments: #"{"slug":"notes","endpoint_id":"POST /notes","input":{}}"#)]),
            .text(["Saved."]),
        ])
        defer { Task { await fake.shutdown() } }
        let home = try TestPaths.temporaryDirectory("endpoint-tool")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--llm-base-url", fake.baseURL, "--llm-model", "fake-model"])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        var files: [String: JSONValue] = [:]
        for name in ["main.ts", "service.json"] { files[name] = .string(try String(contentsOfFile: root + "/services/notes/" + name, encoding: .utf8)) }
        let created = try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/services", headers: [("Content-Type", "application/json")],
                                                          body: JSONValue.object(["slug": "notes", "files": .object(files)]).bytes))
        #expect(created.status == 201)

        let events = try await chatTurn(client, base: base, "Save a note")
        let results = events.filter { $0.name == "tool_result" }
        #expect(results.count == 2)
        #expect(results[0].data["ok"]?.bool == true, "\(results[0].data.text)")
        #expect(JSONValue.parse(results[0].data["output"]?.string ?? "")?["status"]?.int == 201)
        // Input is validated against the endpoint's schema, and the model reads why.
        #expect(results[1].data["ok"]?.bool == false)
        #expect(results[1].data["output"]?.string?.contains("input.text: is required") == true)
        let notes = JSONValue.parse(try await client.send(ClientRequest(url: base + "/s/notes/notes")).body)
        #expect(notes?["notes"]?[0]?["text"]?.string == "from the agent")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
