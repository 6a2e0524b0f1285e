import Agents
import Core
import FakeLLM
import Foundation
import HTTPClient
import LLM
import Testing
import TestSupport

@Suite(.offPool) struct CompactionTests {
    @Test func longChatsKeepRecentTurnsWholeAndSummariseTheRest() {
        var messages: [ChatMessage] = []
        for i in 0..<40 {
            messages.append(.user("question \(i) " + String(repeating: "x", count: 3000)))
            messages.append(.assistant(nil, toolCalls: [ToolCall(id: "c\(i)", name: "services_list", arguments: "{}")]))
            messages.append(.tool(callID: "c\(i)", "{}"))
            messages.append(.assistant("answer \(i)"))
        }
        let compacted = Compaction.compact(messages)
        #expect(compacted.count < messages.count)
        #expect(compacted[0].role == .system)
        #expect(compacted[0].content?.contains("The user asked: question 35") == true)
        #expect(compacted[0].content?.contains("You answered: answer 35") == true)
        #expect(compacted[1].role == .user)  // the kept tail starts at a user turn
        #expect(compacted.last == messages.last)
        // Every kept tool result still follows its call.
        for (i, m) in compacted.enumerated() where m.role == .tool {
            #expect(compacted[..<i].contains { $0.toolCalls.contains { $0.id == m.toolCallID } })
        }
        let short = Array(messages.prefix(8))
        #expect(Compaction.compact(short) == short)
    }
}

@Suite(.serialized) struct AssetToolTests {
    @Test func orchestratorSavesAndFindsSnippets() async throws {
        let fake = try FakeLLMServer([
            .toolCalls([ToolCall(id: "a1", name: "assets_save", arguments: #"{"name":"Retry with backoff","text":"for (let i = 0; i < 5; i++) { await sleep(2 ** i * 100); }","language":"ts"}"#)]),
            .toolCalls([ToolCall(id: "a2", name: "assets_search", arguments: #"{"query":"backoff"}"#)]),
            .text(["Saved and found it."]),
        ])
        defer { Task { await fake.shutdown() } }
        let home = try TestPaths.temporaryDirectory("assets-tool")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--llm-base-url", fake.baseURL])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        let events = try await chatTurn(client, base: base, "save my retry loop")
        #expect(events.last?.name == "done")
        let found = fake.requests[2]["messages"]?.array?.last?["content"]?.string ?? ""
        #expect(found.contains("Retry with backoff"))
        // It is a real Pieces asset: the Pieces API sees it.
        let assets = JSONValue.parse(try await client.send(ClientRequest(url: base + "/assets/search?query=backoff")).body)
        #expect(assets?["iterable"]?.array?.count == 1)
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}

@Suite(.serialized) struct WorkflowToolTests {
    @Test func orchestratorWiresAWorkflow() async throws {
        let fake = try FakeLLMServer([
            .toolCalls([ToolCall(id: "w1", name: "workflow_save", arguments: #"{"slug":"morning","title":"Morning summary","steps":["Fetch the news","Post a summary"],"actions":["missing-service"]}"#)]),
            .toolCalls([ToolCall(id: "w2", name: "workflow_save", arguments: #"{"slug":"morning","title":"Morning summary","steps":["Fetch the news","Post a summary"]}"#)]),
            .toolCalls([ToolCall(id: "w3", name: "workflows_list", arguments: "{}")]),
            .toolCalls([ToolCall(id: "w4", name: "task_create", arguments: #"{"workflow":"morning","schedule":"0 8 * * *","timezone":"Europe/Zurich"}"#)]),
            .text(["Saved."]),
        ])
        defer { Task { await fake.shutdown() } }
        let home = try TestPaths.temporaryDirectory("wf-tool")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--llm-base-url", fake.baseURL])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        let results = try await chatTurn(client, base: base, "every morning summarise the news").filter { $0.name == "tool_result" }
        #expect(results.map { $0.data["ok"]?.bool } == [false, true, true, true])
        #expect(results[3].data["output"]?.string?.contains("\"schedule\":\"0 8 * * *\"") == true)
        #expect(results[0].data["output"]?.string?.contains("Action service 'missing-service' does not exist") == true)
        let saved = JSONValue.parse(try await client.send(ClientRequest(url: base + "/api/v1/workflows/morning")).body)
        #expect(saved?["steps"] == ["Fetch the news", "Post a summary"])
    }
}
