import Core
import FakeLLM
import Foundation
@testable import LLM
import Testing

/// The Anthropic provider against the scripted fake Messages API over a real socket.
@Suite struct AnthropicProviderTests {
    func provider(_ fake: FakeAnthropicServer, key: String? = "sk-ant-test") -> AnthropicProvider {
        var config = ProviderConfig(baseURL: fake.baseURL, apiKey: key, model: "claude-fake")
        config.retryBaseDelay = 0.01
        // Generous: the suite's start can hold the in-process fake back for many seconds on a 2-core machine.
        config.stallTimeout = 60
        config.listTimeout = 60
        return AnthropicProvider(config: config)
    }

    func withFake(_ turns: [FakeAnthropicServer.Turn], jsonFragment: Int = 3, _ body: (FakeAnthropicServer) async throws -> Void) async throws {
        let fake = try FakeAnthropicServer(turns, jsonFragment: jsonFragment)
        do { try await body(fake) } catch {
            await fake.shutdown()
            throw error
        }
        await fake.shutdown()
    }

    func collect(_ p: AnthropicProvider, _ request: ChatRequest) async throws -> ([String], ChatResult?) {
        var pieces: [String] = []
        var result: ChatResult?
        for try await event in p.stream(request) {
            switch event {
            case .text(let t): pieces.append(t)
            case .done(let r): result = r
            }
        }
        return (pieces, result)
    }

    @Test func streamsTextWithUsageAndModel() async throws {
        try await withFake([.text(["Hel", "lo", ", world"])]) { fake in
            let (pieces, result) = try await collect(provider(fake), ChatRequest(messages: [.system("be brief"), .user("hi")]))
            #expect(pieces == ["Hel", "lo", ", world"])
            #expect(result?.text == "Hello, world")
            #expect(result?.finishReason == "stop")
            #expect(result?.model == "claude-fake")
            #expect(result?.usage?.promptTokens == FakeAnthropicServer.inputTokens)
            #expect((result?.usage?.completionTokens ?? 0) > 0)
            let sent = fake.requests[0]
            #expect(sent["stream"]?.bool == true)
            #expect(sent["max_tokens"]?.int == 4096)
        }
    }

    @Test func assemblesToolInputSplitAcrossManyDeltas() async throws {
        let args = #"{"query":"webhook summary","limit":5,"city":"Zürich"}"#
        try await withFake([.toolCalls([ToolCall(id: "toolu_1", name: "search_assets", arguments: args)], text: "Let me look.")], jsonFragment: 2) { fake in
            let (pieces, result) = try await collect(provider(fake), ChatRequest(messages: [.user("go")]))
            #expect(pieces == ["Let me look."])
            #expect(result?.finishReason == "tool_calls")
            #expect(result?.toolCalls == [ToolCall(id: "toolu_1", name: "search_assets", arguments: args)])
            #expect(JSONValue.parse(result?.toolCalls.first?.arguments ?? "")?["city"]?.string == "Zürich")
        }
    }

    @Test func twoToolUseBlocksInOneTurnStayApartAndInOrder() async throws {
        let calls = [ToolCall(id: "toolu_a", name: "search_assets", arguments: #"{"query":"sse parser"}"#),
                     ToolCall(id: "toolu_b", name: "get_weather", arguments: ""),
                     ToolCall(id: "toolu_c", name: "get_weather", arguments: #"{"city":"Bern","days":[1,2]}"#)]
        try await withFake([.toolCalls(calls)]) { fake in
            let result = try await provider(fake).complete(ChatRequest(messages: [.user("go")]))
            #expect(result.toolCalls.map(\.id) == ["toolu_a", "toolu_b", "toolu_c"])
            #expect(result.toolCalls[0].arguments == calls[0].arguments)
            #expect(result.toolCalls[1].arguments == "{}")  // no input at all reads as an empty object
            #expect(result.toolCalls[2].arguments == calls[2].arguments)
            #expect(result.text.isEmpty)
        }
    }

    @Test func roundTripHasTheMessagesAPIShape() async throws {
        try await withFake([.text(["done"])]) { fake in
            let tools = [ToolDefinition(name: "get_weather", description: "Weather for a city",
                                        parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])]
            let history: [ChatMessage] = [
                .system("You are terse."),
                .user("weather in Bern and Zürich?"),
                .assistant("Checking.", toolCalls: [ToolCall(id: "toolu_1", name: "get_weather", arguments: #"{"city":"Bern"}"#),
                                                    ToolCall(id: "toolu_2", name: "get_weather", arguments: #"{"city":"Zürich"}"#)]),
                .tool(callID: "toolu_1", #"{"temp":3}"#),
                .tool(callID: "toolu_2", #"{"temp":5}"#),
            ]
            _ = try await provider(fake).complete(ChatRequest(messages: history, tools: tools, toolChoice: .required, temperature: 0.2, maxTokens: 256))
            let sent = fake.requests[0]
            #expect(sent["system"]?.string == "You are terse.")
            #expect(sent["max_tokens"]?.int == 256)
            #expect(sent["temperature"]?.double == 0.2)
            let m = sent["messages"]?.array ?? []
            #expect(m.count == 3)  // user, assistant, one user turn carrying both results
            #expect(m.first?["role"]?.string == "user")
            #expect(m.first?["content"]?.string == "weather in Bern and Zürich?")
            #expect(m[safe: 1]?["role"]?.string == "assistant")
            let assistant = m[safe: 1]?["content"]?.array ?? []
            #expect(assistant.first?["type"]?.string == "text")
            #expect(assistant[safe: 1]?["type"]?.string == "tool_use")
            #expect(assistant[safe: 1]?["id"]?.string == "toolu_1")
            #expect(assistant[safe: 1]?["name"]?.string == "get_weather")
            #expect(assistant[safe: 1]?["input"]?["city"]?.string == "Bern")  // an object, not JSON text
            #expect(assistant[safe: 2]?["input"]?["city"]?.string == "Zürich")
            #expect(m[safe: 2]?["role"]?.string == "user")
            let results = m[safe: 2]?["content"]?.array ?? []
            #expect(results.map { $0["type"]?.string } == ["tool_result", "tool_result"])
            #expect(results.map { $0["tool_use_id"]?.string } == ["toolu_1", "toolu_2"])
            #expect(results.first?["content"]?.string == #"{"temp":3}"#)
            #expect(sent["tools"]?[0]?["name"]?.string == "get_weather")
            #expect(sent["tools"]?[0]?["input_schema"]?["required"]?[0]?.string == "city")
            #expect(sent["tools"]?[0]?["parameters"] == nil)
            #expect(sent["tool_choice"]?["type"]?.string == "any")
            let headers = fake.requestHeaders[0]
            #expect(headers["x-api-key"] == "sk-ant-test")
            #expect(headers["anthropic-version"] == "2023-06-01")
            #expect(headers["authorization"] == nil)
        }
    }

    @Test func streamedToolCallsFeedTheNextTurn() async throws {
        let call = ToolCall(id: "toolu_9", name: "get_weather", arguments: #"{"city":"Bern"}"#)
        try await withFake([.toolCalls([call]), .text(["3 degrees"])]) { fake in
            let p = provider(fake)
            var history: [ChatMessage] = [.system("terse"), .user("weather?")]
            let first = try await p.complete(ChatRequest(messages: history))
            history.append(.assistant(first.text.isEmpty ? nil : first.text, toolCalls: first.toolCalls))
            for c in first.toolCalls { history.append(.tool(callID: c.id, #"{"temp":3}"#)) }
            let second = try await p.complete(ChatRequest(messages: history))
            #expect(second.text == "3 degrees")
            let m = fake.requests[1]["messages"]?.array ?? []
            #expect(m.map { $0["role"]?.string } == ["user", "assistant", "user"])
            #expect(m[safe: 1]?["content"]?[0]?["input"] == ["city": "Bern"])
            #expect(m[safe: 2]?["content"]?[0]?["tool_use_id"]?.string == "toolu_9")
        }
    }

    @Test func toolChoiceMapping() {
        #expect(AnthropicEncoding.toolChoice(.auto) == ["type": "auto"])
        #expect(AnthropicEncoding.toolChoice(.none) == ["type": "none"])
        #expect(AnthropicEncoding.toolChoice(.required) == ["type": "any"])
        #expect(AnthropicEncoding.toolChoice(.function("f")) == ["type": "tool", "name": "f"])
    }

    @Test func retriesRateLimitsHonouringRetryAfterThenSucceeds() async throws {
        try await withFake([.error(status: 429, type: "rate_limit_error", message: "slow down", retryAfter: "1"),
                            .error(status: 529, type: "overloaded_error", message: "Overloaded"),
                            .text(["ok"])]) { fake in
            let started = Date()
            let result = try await provider(fake).complete(ChatRequest(messages: [.user("x")]))
            #expect(result.text == "ok")
            #expect(fake.requests.count == 3)
            #expect(Date().timeIntervalSince(started) >= 0.9)  // waited as told, not the 10 ms backoff
        }
    }

    @Test func givesUpOnServerErrorsAfterMaxAttempts() async throws {
        try await withFake(Array(repeating: .error(status: 500, type: "api_error", message: "internal"), count: 6)) { fake in
            await #expect(throws: LLMError.server(status: 500, detail: "internal")) {
                _ = try await provider(fake).complete(ChatRequest(messages: [.user("x")]))
            }
            #expect(fake.requests.count == 4)
        }
    }

    @Test func badKeySaysWhatToDo() async throws {
        try await withFake([.error(status: 401, type: "authentication_error", message: "invalid x-api-key")]) { fake in
            do {
                _ = try await provider(fake, key: "wrong").complete(ChatRequest(messages: [.user("x")]))
                Issue.record("expected an error")
            } catch let e as LLMError {
                guard case .unauthorized = e else { Issue.record("got \(e)"); return }
                #expect(e.description.contains("invalid x-api-key"))
                #expect(e.description.contains("OPENPIECES_LLM_API_KEY"))
            }
            #expect(fake.requests.count == 1)  // never retried
        }
    }

    @Test func badRequestCarriesAnthropicsMessage() async throws {
        try await withFake([.error(status: 400, type: "invalid_request_error", message: "messages: roles must alternate")]) { fake in
            await #expect(throws: LLMError.badRequest(detail: "messages: roles must alternate")) {
                _ = try await provider(fake).complete(ChatRequest(messages: [.user("x")]))
            }
        }
    }

    @Test func unknownModelIsNamed() async throws {
        try await withFake([.error(status: 404, type: "not_found_error", message: "model: claude-9")]) { fake in
            do {
                _ = try await provider(fake).complete(ChatRequest(model: "claude-9", messages: [.user("x")]))
                Issue.record("expected an error")
            } catch let e as LLMError {
                #expect(e == .modelNotFound(model: "claude-9", detail: "model: claude-9"))
                #expect(e.description.contains("OPENPIECES_LLM_MODEL"))
            }
        }
    }

    @Test func errorEventMidStreamFailsTheTurn() async throws {
        try await withFake([.streamError(after: ["par", "tial"], type: "overloaded_error", message: "Overloaded")]) { fake in
            var pieces: [String] = []
            do {
                for try await event in provider(fake).stream(ChatRequest(messages: [.user("x")])) {
                    if case .text(let t) = event { pieces.append(t) }
                    if case .done = event { Issue.record("a failed stream must not complete") }
                }
                Issue.record("expected an error")
            } catch let e as LLMError {
                #expect(e == .server(status: 529, detail: "Overloaded"))
            }
            #expect(pieces == ["par", "tial"])
            #expect(fake.requests.count == 1)
        }
    }

    @Test func aStreamCutBeforeMessageStopIsNotAnAnswer() async throws {
        try await withFake([.cutOff(["half an ans"])]) { fake in
            do {
                _ = try await provider(fake).complete(ChatRequest(messages: [.user("x")]))
                Issue.record("expected an error")
            } catch let e as LLMError {
                guard case .badResponse(_, let detail) = e else { Issue.record("got \(e)"); return }
                #expect(detail.contains("message_stop"))
            }
        }
    }

    @Test func listsModels() async throws {
        try await withFake([]) { fake in
            let models = try await provider(fake).listModels()
            #expect(models == ["claude-fake", "claude-fake-large"])
        }
    }

    @Test func baseURLWithV1IsTolerated() async throws {
        try await withFake([.text(["ok"])]) { fake in
            var config = ProviderConfig(baseURL: fake.baseURL + "/v1/", apiKey: nil, model: "claude-fake")
            config.retryBaseDelay = 0.01
            let result = try await AnthropicProvider(config: config).complete(ChatRequest(messages: [.user("x")]))
            #expect(result.text == "ok")
            #expect(fake.requestHeaders[0]["x-api-key"] == nil)  // no key, no header
        }
    }
}

@Suite struct AnthropicEncodingTests {
    @Test func sameRoleNeighboursMergeAndEmptyTurnsDrop() {
        let m = AnthropicEncoding.messages([.user("a"), .user("b"), .assistant(""), .assistant("c"), .tool(callID: "t1", "r"), .user("next")])
        #expect(m.count == 3)
        #expect(m[0]["content"]?.array?.count == 2)
        #expect(m[1]["content"]?.string == "c")
        // A tool result and the user's next words share one user turn, results first.
        #expect(m[2]["content"]?[0]?["type"]?.string == "tool_result")
        #expect(m[2]["content"]?[1]?["text"]?.string == "next")
    }

    @Test func stopReasonsMapToTheOpenAIVocabulary() {
        #expect(AnthropicTurn.finishReason("end_turn", hasCalls: false) == "stop")
        #expect(AnthropicTurn.finishReason("tool_use", hasCalls: true) == "tool_calls")
        #expect(AnthropicTurn.finishReason("max_tokens", hasCalls: false) == "length")
        #expect(AnthropicTurn.finishReason("stop_sequence", hasCalls: false) == "stop")
    }

    @Test func providerKindIsDetectedFromTheHost() {
        #expect(LLMProviderKind.detect(baseURL: "https://api.anthropic.com") == .anthropic)
        #expect(LLMProviderKind.detect(baseURL: "https://API.anthropic.com/v1/") == .anthropic)
        #expect(LLMProviderKind.detect(baseURL: "https://api.openai.com/v1") == .openai)
        #expect(LLMProviderKind.detect(baseURL: "https://api.anthropic.com.evil.example/v1") == .openai)
        #expect(LLMProviderKind.detect(baseURL: nil) == .openai)
        #expect(LLMProviderKind(name: "Anthropic") == .anthropic)
        #expect(LLMProviderKind(name: "openai-compatible") == .openai)
        #expect(LLMProviderKind(name: "gemini") == nil)
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
