import Core
import FakeLLM
import Foundation
import LLM
import Testing

/// The provider against the scripted fake server over a real socket.
@Suite struct OpenAIProviderTests {
    func provider(_ fake: FakeLLMServer, key: String? = "sk-test", stall: Double = 60) -> OpenAICompatibleProvider {
        // Generous limits: the suite's start can hold the in-process fake back for many seconds on a 2-core machine.
        var config = ProviderConfig(baseURL: fake.baseURL, apiKey: key, model: "fake-model")
        config.retryBaseDelay = 0.01
        config.stallTimeout = stall
        config.listTimeout = 60
        return OpenAICompatibleProvider(config: config)
    }

    func withFake(_ turns: [FakeLLMServer.Turn], chunkDelay: Double = 0.01, _ body: (FakeLLMServer) async throws -> Void) async throws {
        let fake = try FakeLLMServer(turns, chunkDelay: chunkDelay)
        do { try await body(fake) } catch {
            await fake.shutdown()
            throw error
        }
        await fake.shutdown()
    }

    @Test func streamsTextTokenByToken() async throws {
        try await withFake([.text(["Hel", "lo", ", world"])], chunkDelay: 0.05) { fake in
            var pieces: [String] = []
            var times: [Date] = []
            var result: ChatResult?
            for try await event in provider(fake).stream(ChatRequest(messages: [.system("be brief"), .user("hi")])) {
                switch event {
                case .text(let t):
                    pieces.append(t)
                    times.append(Date())
                case .done(let r): result = r
                }
            }
            #expect(pieces == ["Hel", "lo", ", world"])
            #expect(times.last!.timeIntervalSince(times.first!) > 0.08)  // they arrived over time
            #expect(result?.text == "Hello, world")
            #expect(result?.finishReason == "stop")
            #expect(result?.usage?.promptTokens == 11)
            // What we sent.
            let sent = fake.requests[0]
            #expect(sent["model"]?.string == "fake-model")
            #expect(sent["stream"]?.bool == true)
            #expect(sent["messages"]?[0]?["role"]?.string == "system")
            #expect(sent["messages"]?[1]?["content"]?.string == "hi")
            #expect(fake.requestHeaders[0]["authorization"] == "Bearer sk-test")
        }
    }

    static let quirkSets: [FakeLLMServer.Quirks] = [[], [.finishWithStop], [.allAtIndexZero], [.keepAliveNoise, .noUsage],
                                                    [.finishWithStop, .allAtIndexZero, .keepAliveNoise, .noUsage]]

    @Test(arguments: 0..<quirkSets.count)
    func assemblesStreamedToolCallsDespiteQuirks(_ i: Int) async throws {
        let calls = [FakeLLMServer.ScriptedCall(id: "call_a", name: "search_assets", arguments: #"{"query":"webhook summary","limit":5}"#),
                     FakeLLMServer.ScriptedCall(id: "call_b", name: "get_weather", arguments: #"{"city":"Zürich"}"#)]
        try await withFake([.toolCalls(calls, quirks: Self.quirkSets[i])]) { fake in
            let tools = [ToolDefinition(name: "search_assets", description: "Search saved snippets",
                                        parameters: ["type": "object", "properties": ["query": ["type": "string"]], "required": ["query"]])]
            let result = try await provider(fake).complete(ChatRequest(messages: [.user("go")], tools: tools, toolChoice: .auto))
            #expect(result.finishReason == "tool_calls")
            #expect(result.toolCalls == [ToolCall(id: "call_a", name: "search_assets", arguments: calls[0].arguments),
                                         ToolCall(id: "call_b", name: "get_weather", arguments: calls[1].arguments)])
            let sentTools = fake.requests[0]["tools"]
            #expect(sentTools?[0]?["function"]?["name"]?.string == "search_assets")
            #expect(fake.requests[0]["tool_choice"]?.string == "auto")
        }
    }

    @Test func toolResultsGoBackInTheOpenAIShape() async throws {
        try await withFake([.text(["done"])]) { fake in
            let history: [ChatMessage] = [
                .user("weather?"),
                .assistant(nil, toolCalls: [ToolCall(id: "c1", name: "get_weather", arguments: "{}")]),
                .tool(callID: "c1", "{\"temp\":3}"),
            ]
            _ = try await provider(fake).complete(ChatRequest(messages: history, toolChoice: .function("get_weather")))
            let m = fake.requests[0]["messages"]
            #expect(m?[1]?["tool_calls"]?[0]?["function"]?["name"]?.string == "get_weather")
            #expect(m?[1]?["content"] == .null)
            #expect(m?[2]?["role"]?.string == "tool")
            #expect(m?[2]?["tool_call_id"]?.string == "c1")
            #expect(fake.requests[0]["tool_choice"]?["function"]?["name"]?.string == "get_weather")
        }
    }

    @Test func retriesRateLimitsHonouringRetryAfter() async throws {
        try await withFake([.error(status: 429, message: "slow down", retryAfter: "0"),
                            .error(status: 503, message: "overloaded"),
                            .text(["ok"])]) { fake in
            let result = try await provider(fake).complete(ChatRequest(messages: [.user("x")]))
            #expect(result.text == "ok")
            #expect(fake.requests.count == 3)
        }
    }

    @Test func givesUpAfterMaxAttempts() async throws {
        try await withFake(Array(repeating: .error(status: 502, message: "bad gateway"), count: 6)) { fake in
            await #expect(throws: LLMError.server(status: 502, detail: "bad gateway")) {
                _ = try await provider(fake).complete(ChatRequest(messages: [.user("x")]))
            }
            #expect(fake.requests.count == 4)
        }
    }

    @Test func badKeySaysWhatToFix() async throws {
        try await withFake([.error(status: 401, message: "Incorrect API key provided")]) { fake in
            do {
                _ = try await provider(fake).complete(ChatRequest(messages: [.user("x")]))
                Issue.record("expected an error")
            } catch let e as LLMError {
                guard case .unauthorized = e else { Issue.record("got \(e)"); return }
                #expect(e.description.contains("OPENPIECES_LLM_API_KEY"))
            }
            #expect(fake.requests.count == 1)  // never retried
        }
    }

    @Test func unknownModelSaysWhatToFix() async throws {
        try await withFake([.error(status: 404, message: "The model `gpt-9` does not exist")]) { fake in
            do {
                _ = try await provider(fake).complete(ChatRequest(messages: [.user("x")]))
                Issue.record("expected an error")
            } catch let e as LLMError {
                guard case .modelNotFound = e else { Issue.record("got \(e)"); return }
                #expect(e.description.contains("OPENPIECES_LLM_MODEL"))
            }
        }
    }

    @Test func unreachableHostIsNamed() async throws {
        var config = ProviderConfig(baseURL: "http://127.0.0.1:1/v1", apiKey: nil, model: "m")
        config.maxAttempts = 2
        config.retryBaseDelay = 0.01
        do {
            _ = try await OpenAICompatibleProvider(config: config).complete(ChatRequest(messages: [.user("x")]))
            Issue.record("expected an error")
        } catch let e as LLMError {
            guard case .unreachable(let url, _) = e else { Issue.record("got \(e)"); return }
            #expect(url.hasPrefix("http://127.0.0.1:1/v1"))
            #expect(e.description.contains("OPENPIECES_LLM_BASE_URL"))
        }
    }

    @Test func stalledStreamTimesOut() async throws {
        // The server stalls for 60 s; the 1 s stall timeout must end it well before (the margin absorbs a loaded CI, where
        // the whole suite's start can hold this process back for several seconds).
        try await withFake([.stall(seconds: 60)]) { fake in
            let started = Date()
            await #expect(throws: LLMError.self) {
                _ = try await provider(fake, stall: 1).complete(ChatRequest(messages: [.user("x")]))
            }
            #expect(Date().timeIntervalSince(started) < 40)
        }
    }

    @Test func cancellingTheConsumerStopsTheStream() async throws {
        try await withFake([.text((0..<200).map { "t\($0) " })], chunkDelay: 0.02) { fake in
            let p = provider(fake)
            let task = Task {
                var n = 0
                for try await event in p.stream(ChatRequest(messages: [.user("x")])) {
                    if case .text = event { n += 1 }
                }
                return n
            }
            try await Task.sleep(nanoseconds: 150_000_000)
            task.cancel()
            let received = (try? await task.value) ?? 0
            #expect(received < 150)
        }
    }

    @Test func nonStreamingServersAreUnderstood() async throws {
        // A server that ignores `stream` and answers one JSON completion.
        let fake = try FakeLLMServer([.text(["whole answer"])])
        defer { Task { await fake.shutdown() } }
        let models = try await provider(fake, key: nil).listModels()
        #expect(models == ["fake-model", "fake-large"])
    }
}

@Suite struct SSEParserTests {
    @Test func splitsEventsAcrossArbitraryChunks() {
        let stream = ": keep-alive\r\n\r\ndata: {\"a\":1}\r\n\r\ndata:{\"b\":2}\n\nevent: x\ndata: line1\ndata: line2\n\ndata: \n\ndata: [DONE]\n\n"
        let bytes = Array(stream.utf8)
        for size in [1, 2, 3, 7, 64, bytes.count] {
            var p = SSEParser()
            var events: [String] = []
            for start in stride(from: 0, to: bytes.count, by: size) {
                events += p.feed(Array(bytes[start..<min(bytes.count, start + size)]))
            }
            events += p.finish()
            #expect(events == ["{\"a\":1}", "{\"b\":2}", "line1\nline2", "", "[DONE]"], "chunk size \(size)")
        }
    }

    @Test func unterminatedLastEventCounts() {
        var p = SSEParser()
        #expect(p.feed(Array("data: tail".utf8)).isEmpty)
        #expect(p.finish() == ["tail"])
    }
}
