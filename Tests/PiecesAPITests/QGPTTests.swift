import Core
import FakeLLM
import Foundation
import LLM
import PiecesAPI
import Testing
import TestSupport

@Suite struct QGPTTests {
    @Test func offlineQuestionAnswersFromSavedSnippets() async throws {
        try await PiecesFixture.with { f in
            try await f.createAsset("curl -X POST \"$WEBHOOK\" -H 'Content-Type: application/json' -d '{\"text\":\"hi\"}'", name: "Post JSON to a webhook")
            try await f.createAsset("SELECT 1;\nCREATE TABLE t(x);", name: "sqlite scratch")
            let relevance = try await f.post("/qgpt/relevance", ["query": "post json webhook"])
            let relevant = try #require(relevance["relevant"])
            #expect(relevant["iterable"]?.array?.count == 1)
            let answer = try await f.post("/qgpt/question", ["query": "How do I post JSON to my webhook?", "relevant": relevant])
            let text = try #require(answer["answers"]?["iterable"]?[0]?["text"]?.string)
            #expect(text.contains("Post JSON to a webhook"))
            #expect(text.contains("curl -X POST"))
            #expect(!text.contains("sqlite scratch"))
            // Seeds given inline ground the answer too.
            let seeded = try await f.post("/qgpt/question", ["query": "explain", "relevant": ["iterable": [
                ["seed": ["type": "SEEDED_ASSET", "asset": ["format": ["fragment": ["string": ["raw": "print('inline seed')"]]]]]]]]])
            #expect(seeded["answers"]?["iterable"]?[0]?["text"]?.string?.contains("inline seed") == true)
        }
    }

    @Test func offlineEngineSaysWhenItCannotHelp() async throws {
        try await PiecesFixture.with { f in
            let answer = try await f.post("/qgpt/question", ["query": "what is the capital of France?", "relevant": ["iterable": []]])
            let text = answer["answers"]?["iterable"]?[0]?["text"]?.string ?? ""
            #expect(text.contains("OPENPIECES_LLM_BASE_URL"))
        }
    }

    @Test func questionUsesTheConfiguredModelWithGrounding() async throws {
        let fake = try FakeLLMServer([.text(["Use ", "curl."])])
        defer { Task { await fake.shutdown() } }
        try await PiecesFixture.with(llm: LLMSettings(baseURL: fake.baseURL, apiKey: "sk-x", model: "fake-model")) { f in
            let asset = try await f.createAsset("curl -X POST $URL", name: "webhook curl")
            let answer = try await f.post("/qgpt/question", ["query": "how to post?", "relevant": ["iterable": [["asset": ["id": asset["id"]!]]]]])
            #expect(answer["answers"]?["iterable"]?[0]?["text"]?.string == "Use curl.")
            let system = fake.requests[0]["messages"]?[0]?["content"]?.string ?? ""
            #expect(system.contains("webhook curl"))
            #expect(system.contains("curl -X POST $URL"))
            #expect(fake.requests[0]["messages"]?.array?.last?["content"]?.string == "how to post?")
        }
    }

    @Test func llmFailuresMapToStatuses() async throws {
        let fake = try FakeLLMServer([.error(status: 401, message: "bad key")])
        defer { Task { await fake.shutdown() } }
        try await PiecesFixture.with(llm: LLMSettings(baseURL: fake.baseURL, apiKey: "nope", model: "fake-model")) { f in
            let (status, body) = try await f.call("POST", "/qgpt/question", ["query": "x", "relevant": ["iterable": []]])
            #expect(status == 502)
            #expect(body["error"]?["code"]?.string == "llm_unauthorized")
            #expect(body["error"]?["message"]?.string?.contains("OPENPIECES_LLM_API_KEY") == true)
            let (s2, _) = try await f.call("POST", "/qgpt/question", ["relevant": ["iterable": []]])
            #expect(s2 == 400)
        }
    }

    @Test func repromptMakesFollowUpsStandalone() async throws {
        try await PiecesFixture.with { f in
            let r = try await f.post("/qgpt/reprompt", ["query": "and in python?", "conversation": ["iterable": [
                ["role": "USER", "text": "how do I read a file in swift", "timestamp": ["value": "2026-11-23T00:00:00Z"]],
                ["role": "ASSISTANT", "text": "Use FileManager.", "timestamp": ["value": "2026-11-23T00:00:01Z"]]]]])
            #expect(r["query"]?.string == "and in python? (about: how do I read a file in swift)")
        }
    }

    @Test func modelsListLoadAndPersist() async throws {
        let fake = try FakeLLMServer([.text(["from the fake"])])
        defer { Task { await fake.shutdown() } }
        try await PiecesFixture.with(llm: LLMSettings(baseURL: fake.baseURL, apiKey: nil, model: "fake-model")) { f in
            let models = try #require(try await f.get("/models")["iterable"]?.array)
            #expect(models.filter { $0["foundation"] == nil }.count == 2)  // the catalogue's aliases follow
            #expect(models[0]["name"]?.string == "fake-model")
            #expect(models[0]["loaded"]?.bool == true)
            #expect(models[1]["id"]?.string == OfflineEngine.modelID)
            // Load the offline engine: QGPT now answers offline, and the choice is stored.
            let loaded = try await f.post("/model/\(OfflineEngine.modelID)/load")
            #expect(loaded["loaded"]?.bool == true)
            #expect(try await f.get("/model/\(models[0]["id"]!.string!)")["loaded"]?.bool == false)
            let answer = try await f.post("/qgpt/question", ["query": "anything", "relevant": ["iterable": []]])
            #expect(answer["answers"]?["iterable"]?[0]?["text"]?.string?.contains("saved snippets") == true)
            #expect(fake.requests.isEmpty)
            let stored = try f.db.read { try $0.queryOne("SELECT value FROM settings WHERE key = 'qgpt.model'")?["value"].string }
            #expect(stored == OfflineEngine.modelID)
            _ = try await f.post("/model/\(OfflineEngine.modelID)/unload")
            #expect(try await f.get("/model/\(models[0]["id"]!.string!)")["loaded"]?.bool == true)
            #expect(try await f.call("POST", "/model/nope/load").0 == 404)
        }
    }
}

@Suite struct QGPTStreamTests {
    struct Output {
        var statuses: [String] = []
        var text = ""
        var conversation = ""
        var last: JSONValue = .null
    }

    /// Sends one input and reads outputs until a terminal status.
    func ask(_ ws: WSClient, _ input: JSONValue) async throws -> Output {
        try ws.sendText(input.text)
        var out = Output()
        while true {
            let message = try #require(JSONValue.parse(try await ws.readText()))
            let status = message["status"]?.string ?? ""
            out.statuses.append(status)
            out.conversation = message["conversation"]?.string ?? out.conversation
            out.text += message["question"]?["answers"]?["iterable"]?[0]?["text"]?.string ?? ""
            out.last = message
            if ["COMPLETED", "FAILED", "STOPPED", "CANCELED"].contains(status) { return out }
        }
    }

    @Test func streamsFromTheFakeModelTokenByTokenIntoAConversation() async throws {
        let fake = try FakeLLMServer([.text(["Hel", "lo ", "there"]), .text(["second ", "answer"])], chunkDelay: 0.02)
        defer { Task { await fake.shutdown() } }
        try await PiecesFixture.with(llm: LLMSettings(baseURL: fake.baseURL, apiKey: nil, model: "fake-model")) { f in
            let ws = try await WSClient(port: f.server.port, path: "/qgpt/stream")
            let first = try await ask(ws, ["question": ["query": "say hello", "relevant": ["iterable": []]]])
            #expect(first.statuses == ["INITIALIZED", "IN-PROGRESS", "IN-PROGRESS", "IN-PROGRESS", "COMPLETED"])
            #expect(first.text == "Hello there")
            #expect(!first.conversation.isEmpty)
            // Continue the same conversation: the model sees the history.
            let second = try await ask(ws, ["conversation": .string(first.conversation), "question": ["query": "again", "relevant": ["iterable": []]]])
            #expect(second.text == "second answer")
            #expect(second.conversation == first.conversation)
            let history = fake.requests[1]["messages"]?.array ?? []
            #expect(history.map { $0["content"]?.string ?? "" }.suffix(3) == ["say hello", "Hello there", "again"])
            let messages = try await f.get("/conversation/\(first.conversation)/messages")
            #expect(messages["iterable"]?.array?.map { $0["role"]?.string ?? "" } == ["USER", "ASSISTANT", "USER", "ASSISTANT"])
            #expect(messages["iterable"]?[1]?["fragment"]?["string"]?["raw"]?.string == "Hello there")
            let conversation = try await f.get("/conversation/\(first.conversation)")
            #expect(conversation["messages"]?["iterable"]?.array?.count == 4)
        }
    }

    @Test func streamsFromTheOfflineEngine() async throws {
        try await PiecesFixture.with { f in
            try await f.createAsset("git rebase -i HEAD~3", name: "Squash last commits")
            let ws = try await WSClient(port: f.server.port, path: "/qgpt/stream")
            // The official SDK asks through `relevance` with options.question.
            let out = try await ask(ws, ["relevance": ["query": "squash commits", "options": ["question": true]]])
            #expect(out.statuses.first == "IN-PROGRESS")
            #expect(out.statuses.last == "COMPLETED")
            #expect(out.statuses.count > 3)
            #expect(out.text.contains("git rebase -i HEAD~3"))
        }
    }

    @Test func clientCanStopAStream() async throws {
        let fake = try FakeLLMServer([.text((0..<300).map { "w\($0) " })], chunkDelay: 0.01)
        defer { Task { await fake.shutdown() } }
        try await PiecesFixture.with(llm: LLMSettings(baseURL: fake.baseURL, apiKey: nil, model: "fake-model")) { f in
            let ws = try await WSClient(port: f.server.port, path: "/qgpt/stream")
            let input: JSONValue = ["request": "r1", "question": ["query": "long", "relevant": ["iterable": []]]]
            try ws.sendText(input.text)
            _ = try await ws.readText()  // INITIALIZED
            _ = try await ws.readText()  // first token
            try ws.sendText(#"{"stop": true, "request": "r1"}"#)
            var last = ""
            while true {
                let m = JSONValue.parse(try await ws.readText())
                last = m?["status"]?.string ?? ""
                if last != "IN-PROGRESS" { break }
            }
            #expect(last == "STOPPED")
        }
    }

    @Test func badInputsFailWithReasons() async throws {
        try await PiecesFixture.with { f in
            let ws = try await WSClient(port: f.server.port, path: "/qgpt/stream")
            try ws.sendText("not json")
            let m1 = JSONValue.parse(try await ws.readText())
            #expect(m1?["status"]?.string == "FAILED")
            #expect(m1?["statusCode"]?.int == 400)
            let out = try await ask(ws, ["conversation": "missing", "question": ["query": "x"]])
            #expect(out.statuses == ["FAILED"])
            #expect(out.last["statusCode"]?.int == 404)
        }
    }
}
