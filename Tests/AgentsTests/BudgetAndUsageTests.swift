import Core
import FakeLLM
import Foundation
import HTTPClient
import LLM
import Testing
import TestSupport

/// A turn's budget, what every model call costs, a model per chat and a chat's title: through the real binary and
/// the scripted model.
@Suite(.serialized) struct BudgetAndUsageTests {
    static func call(_ name: String, _ id: String) -> ToolCall { ToolCall(id: id, name: name, arguments: "{}") }

    func send(_ client: HTTPClient, _ base: String, _ chat: String, _ text: String) async throws -> [(String, JSONValue)] {
        let stream = try await client.stream(ClientRequest(method: "POST", url: "\(base)/api/v1/chats/\(chat)/messages", headers: [("Content-Type", "application/json")],
                                                           body: JSONValue.object(["content": .string(text)]).bytes, timeout: 0, stallTimeout: 60))
        var raw = ""
        for try await chunk in stream.body { raw += String(decoding: chunk, as: UTF8.self) }
        return sseEvents(raw).map { ($0.name, $0.data) }
    }

    @Test func aBudgetEndsATurnSayingWhatWasDoneAndContinueResumes() async throws {
        let fake = try FakeLLMServer([
            .toolCalls([Self.call("services_list", "a")]),
            .toolCalls([Self.call("workflows_list", "b")]),
            .text(["Finished: nothing to build."]),
        ])
        defer { Task { await fake.shutdown() } }
        let bin = try RunningBinary(["serve", "--port", "0", "--home", try TestPaths.temporaryDirectory("budget"), "--llm-base-url", fake.baseURL,
                                     "--llm-model", "configured-model", "--agent-turns", "2", "--llm-prices", "own-model=1000/2000"])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        // A chat on a model of its own.
        let created = try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats", body: Array(#"{"model":"own-model"}"#.utf8)))
        #expect(created.status == 201)
        let chat = try #require(JSONValue.parse(created.body)?["id"]?.string)
        #expect(try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats", body: Array(#"{"model":5}"#.utf8))).status == 400)

        let first = try await send(client, base, chat, "Look at what I have and tidy it up when you are done reading everything please")
        let budget = try #require(first.first { $0.0 == "budget" }?.1)
        #expect(budget["reason"]?.string == "its budget of 2 model turns")
        #expect(budget["done"]?.array?.compactMap(\.string) == ["services_list (ok)", "workflows_list (ok)"])
        let stopped = first.last { $0.0 == "done" }?.1["text"]?.string ?? ""
        #expect(stopped.contains("I stopped before finishing") && stopped.contains("- services_list") && stopped.contains("Say \"continue\""), "\(stopped)")
        #expect(fake.requests.allSatisfy { $0["model"]?.string == "own-model" }, "the chat's own model is used")

        // "continue" resumes from the stored history: the model sees its earlier calls and finishes.
        let second = try await send(client, base, chat, "continue")
        #expect(second.last?.1["text"]?.string == "Finished: nothing to build.")
        let resumed = fake.requests[2]["messages"]?.array ?? []
        #expect(resumed.contains { $0["role"]?.string == "tool" && $0["tool_call_id"]?.string == "b" }, "the earlier tool results are in the history")

        // Every call is accounted to the chat, priced with its model's price; the title comes from the first message.
        let detail = try #require(JSONValue.parse(try await client.send(ClientRequest(url: base + "/api/v1/chats/\(chat)")).body))
        #expect(detail["title"]?.string == "Look at what I have and tidy it up when you are done reading…")
        #expect(detail["model"]?.string == "own-model")
        let usage = try #require(detail["usage"])
        #expect(usage["calls"]?.int == 3)
        #expect(usage["promptTokens"]?.int == 33)
        #expect((usage["completionTokens"]?.int ?? 0) >= 3)
        let expected = (33.0 * 1000 + Double(usage["completionTokens"]?.int ?? 0) * 2000) / 1_000_000
        #expect(abs((usage["cost"]?.double ?? -1) - expected) < 1e-9, "\(usage.text)")
        let byModel = try #require(JSONValue.parse(try await client.send(ClientRequest(url: base + "/api/v1/usage")).body)?["models"]?.array)
        #expect(byModel.first { $0["model"]?.string == "own-model" }?["calls"]?.int == 3)
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
