@testable import App
import Core
import FakeLLM
import Foundation
import HTTPClient
import Testing
import TestSupport

/// Choosing the Anthropic provider: by flag, by environment, by the base URL's host, and through the settings API.
@Suite struct AnthropicSelectionTests {
    let env = ["HOME": "/home/u"]

    func call(_ client: HTTPClient, _ method: String, _ url: String, _ body: JSONValue? = nil) async throws -> (Int, JSONValue) {
        let r = try await client.send(ClientRequest(method: method, url: url, headers: [("Content-Type", "application/json")], body: body?.bytes))
        return (r.status, JSONValue.parse(r.body) ?? .null)
    }

    @Test func providerOptionParsesFromFlagAndEnvironment() throws {
        #expect(try OptionSpec.resolve(arguments: [], environment: env).llmProvider == nil)
        #expect(try OptionSpec.resolve(arguments: ["--llm-provider", "anthropic"], environment: env).llmProvider == .anthropic)
        var e = env
        e["OPENPIECES_LLM_PROVIDER"] = "anthropic"
        #expect(try OptionSpec.resolve(arguments: ["--llm-provider=openai"], environment: e).llmProvider == .openai)
        #expect(try OptionSpec.resolve(arguments: [], environment: e).llmProvider == .anthropic)
        #expect(throws: UsageError("--llm-provider takes openai or anthropic, not 'gemini'")) {
            try OptionSpec.resolve(arguments: ["--llm-provider", "gemini"], environment: env)
        }
    }

    /// The real binary, `--llm-provider anthropic` against the fake Messages API: QGPT answers through it, the
    /// settings say so, and the settings API switches protocol by host or by name.
    @Test func servesAnswersThroughAnthropic() async throws {
        let fake = try FakeAnthropicServer([.text(["from ", "claude"]), .text(["second"])])
        defer { Task { await fake.shutdown() } }
        let home = try TestPaths.temporaryDirectory("anthropic")
        let key = "sk-ant-\(UUID().uuidString)"
        let client = HTTPClient(defaultHeaders: TestAuth.headers)

        let bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--llm-provider", "anthropic",
                                     "--llm-base-url", fake.baseURL, "--llm-model", "claude-fake"],
                                    environment: ["OPENPIECES_LLM_API_KEY": key])
        try await bin.waitUntilListening()
        let base = "http://127.0.0.1:\(bin.port)"

        let (s0, settings) = try await call(client, "GET", base + "/api/v1/settings/llm")
        #expect(s0 == 200)
        #expect(settings["provider"]?.string == "anthropic")
        #expect(settings["providerDetected"]?.bool == false)
        #expect(settings["model"]?.string == "claude-fake")

        let (s1, answer) = try await call(client, "POST", base + "/qgpt/question", ["query": "hi", "relevant": ["iterable": []]])
        #expect(s1 == 200)
        #expect(answer["answers"]?["iterable"]?[0]?["text"]?.string == "from claude")
        #expect(fake.requestHeaders.first?["x-api-key"] == key)
        #expect(fake.requestHeaders.first?["anthropic-version"] == "2023-06-01")
        #expect(fake.requests.first?["model"]?.string == "claude-fake")
        #expect(fake.requests.first?["system"]?.string != nil)  // QGPT's grounding travels top-level

        // Bad values are refused with the error envelope; the settings stay.
        let (s2, bad) = try await call(client, "PUT", base + "/api/v1/settings/llm", ["provider": "gemini"])
        #expect(s2 == 400)
        #expect(bad["error"]?["code"]?.string == "invalid_field")
        #expect(bad["error"]?["message"]?.string?.contains("provider") == true)

        // A new base URL without `provider` goes back to detection: Anthropic's host means Anthropic, others OpenAI.
        let (_, detected) = try await call(client, "PUT", base + "/api/v1/settings/llm", ["baseUrl": "https://api.anthropic.com"])
        #expect(detected["provider"]?.string == "anthropic")
        #expect(detected["providerDetected"]?.bool == true)
        let (_, openai) = try await call(client, "PUT", base + "/api/v1/settings/llm", ["baseUrl": "http://127.0.0.1:9/v1"])
        #expect(openai["provider"]?.string == "openai-compatible")
        #expect(openai["model"]?.string == "gpt-4o-mini")  // the Claude model name did not follow to the other protocol
        // Named explicitly, it holds for any URL (a proxy in front of Anthropic, here the fake).
        let (s3, named) = try await call(client, "PUT", base + "/api/v1/settings/llm",
                                         ["provider": "anthropic", "baseUrl": .string(fake.baseURL), "model": "claude-fake"])
        #expect(s3 == 200)
        #expect(named["provider"]?.string == "anthropic")
        let (_, again) = try await call(client, "POST", base + "/qgpt/question", ["query": "hi", "relevant": ["iterable": []]])
        #expect(again["answers"]?["iterable"]?[0]?["text"]?.string == "second")

        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
        #expect(!bin.remainingStderr().contains(key), "the key must never be logged")
    }
}
