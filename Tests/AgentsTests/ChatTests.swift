import Core
import FakeLLM
import Foundation
import HTTPClient
import LLM
import Testing
import TestSupport

/// Chats with the Orchestrator over the real binary, the model scripted by the fake LLM server.
@Suite(.serialized) struct ChatTests {
    struct Event: Equatable {
        var name: String
        var data: JSONValue
    }

    func send(_ client: HTTPClient, _ base: String, _ chat: String, _ text: String) async throws -> [Event] {
        let stream = try await client.stream(ClientRequest(method: "POST", url: "\(base)/api/v1/chats/\(chat)/messages",
                                                           headers: [("Content-Type", "application/json")],
                                                           body: JSONValue.object(["content": .string(text)]).bytes, timeout: 60))
        #expect(stream.status == 200)
        var raw = ""
        for try await chunk in stream.body { raw += String(decoding: chunk, as: UTF8.self) }
        return sseEvents(raw).map { Event(name: $0.name, data: $0.data) }
    }

    @Test func orchestratorReadsMemoryUsesToolsAndRemembers() async throws {
        let fake = try FakeLLMServer([
            .toolCalls([ToolCall(id: "c1", name: "brain_search", arguments: #"{"query":"notes services"}"#)]),
            .toolCalls([ToolCall(id: "c2", name: "services_list", arguments: "{}"),
                        ToolCall(id: "c3", name: "brain_write", arguments: #"{"kind":"decision"}"#)]),
            .toolCalls([ToolCall(id: "c4", name: "brain_write", arguments: #"{"kind":"decision","text":"No services exist yet; offer to build a notes API.","tags":["notes"]}"#)]),
            .text(["You have ", "no services yet."]),
            .text(["Still none."]),
        ])
        defer { Task { await fake.shutdown() } }
        let home = try TestPaths.temporaryDirectory("chat")
        var bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--llm-base-url", fake.baseURL, "--llm-model", "fake-model"])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        var base = "http://127.0.0.1:\(bin.port)"
        // Something remembered earlier reaches the system prompt before any planning.
        _ = try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/brain", headers: [("Content-Type", "application/json")],
                                                body: JSONValue.object(["kind": "preference", "text": "The user likes notes services to be short"]).bytes))
        let created = try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats", headers: [("Content-Type", "application/json")],
                                                          body: Array(#"{"title":"first"}"#.utf8)))
        #expect(created.status == 201)
        let chat = try #require(JSONValue.parse(created.body)?["id"]?.string)

        let events = try await send(client, base, chat, "What notes services do I have?")
        #expect(events.map(\.name) == ["tool_call", "tool_result", "tool_call", "tool_result", "tool_call", "tool_result",
                                       "tool_call", "tool_result", "text", "text", "done"])
        #expect(events[0].data["name"]?.string == "brain_search")
        #expect(events[1].data["ok"]?.bool == true)
        #expect(events[3].data["output"]?.string?.contains("\"services\":[]") == true)
        // Invalid arguments reach the model as an error it can fix, not a crash.
        #expect(events[5].data["ok"]?.bool == false)
        #expect(events[5].data["output"]?.string?.contains("input.text: is required") == true)
        #expect(events[10].data["text"]?.string == "You have no services yet.")

        // What the model was sent: memory in the system prompt, tools, then the tool results.
        let first = fake.requests[0]
        #expect(first["messages"]?[0]?["content"]?.string?.contains("notes services to be short") == true)
        #expect(first["tools"]?.array?.contains { $0["function"]?["name"]?.string == "service_get" } == true)
        let last = fake.requests[3]["messages"]?.array ?? []
        #expect(last.contains { $0["role"]?.string == "tool" && $0["tool_call_id"]?.string == "c4" })

        // The decision was written to the Brain.
        let brain = try await client.send(ClientRequest(url: base + "/api/v1/brain?query=notes%20API&kind=decision"))
        #expect(JSONValue.parse(brain.body)?["entries"]?[0]?["text"]?.string == "No services exist yet; offer to build a notes API.")

        // The chat survives a restart and continues with its history.
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
        bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--llm-base-url", fake.baseURL, "--llm-model", "fake-model"])
        try await bin.waitUntilListening()
        base = "http://127.0.0.1:\(bin.port)"
        let stored = JSONValue.parse(try await client.send(ClientRequest(url: base + "/api/v1/chats/\(chat)")).body)
        let roles = stored?["messages"]?.array?.compactMap { $0["role"]?.string } ?? []
        #expect(roles == ["user", "assistant", "tool", "assistant", "tool", "tool", "assistant", "tool", "assistant"])
        // Another client follows the chat: it sees the turn the sender sees (on any replica, through the store's events).
        let watch = try await client.stream(ClientRequest(url: base + "/api/v1/chats/\(chat)/events", timeout: 60))
        #expect(watch.status == 200)
        let again = try await send(client, base, chat, "And now?")
        #expect(again.last?.name == "done")
        var watched = ""
        for try await chunk in watch.body {
            watched += String(decoding: chunk, as: UTF8.self)
            if watched.contains("event: done") { break }
        }
        #expect(sseEvents(watched).map(\.name) == again.map(\.name))
        #expect(try await client.send(ClientRequest(url: base + "/api/v1/chats/no-such-chat/events")).status == 404)
        let resumed = fake.requests.last?["messages"]?.array ?? []
        #expect(resumed.contains { $0["content"]?.string == "What notes services do I have?" })
        #expect(resumed.last?["content"]?.string == "And now?")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func withoutAModelRequestsItCannotReadSayWhatToConfigure() async throws {
        let home = try TestPaths.temporaryDirectory("chat2")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        let created = try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats"))
        let chat = try #require(JSONValue.parse(created.body)?["id"]?.string)
        let events = try await send(client, base, chat, "write me a sonnet about routers")
        #expect(events.last?.name == "done")
        #expect(events.last?.data["text"]?.string?.contains("OPENPIECES_LLM_BASE_URL") == true)
        #expect(events.last?.data["text"]?.string?.contains("ollama pull") == true)
        #expect(events.last?.data["text"]?.string?.contains("built nothing") == true)
        let missing = try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats/nope/messages",
                                                          headers: [("Content-Type", "application/json")], body: Array(#"{"content":"x"}"#.utf8)))
        #expect(missing.status == 404)
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
