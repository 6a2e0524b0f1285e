import Core
import FakeLLM
import Foundation
import HTTPClient
import Testing
import TestSupport

/// Changing the LLM provider at run time through the API, on the real binary.
@Suite struct LLMSettingsTests {
    func call(_ client: HTTPClient, _ method: String, _ url: String, _ body: JSONValue? = nil) async throws -> (Int, JSONValue) {
        let r = try await client.send(ClientRequest(method: method, url: url, headers: [("Content-Type", "application/json")], body: body?.bytes))
        return (r.status, JSONValue.parse(r.body) ?? .null)
    }

    @Test func keyIsStoredEncryptedNeverShownAndSurvivesRestart() async throws {
        let fake = try FakeLLMServer([.text(["from ", "fake"]), .text(["after ", "restart"])])
        defer { Task { await fake.shutdown() } }
        let home = try TestPaths.temporaryDirectory("llmset")
        let key = "sk-test-\(UUID().uuidString)"
        let client = HTTPClient(defaultHeaders: TestAuth.headers)

        var bin = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await bin.waitUntilListening()
        var base = "http://127.0.0.1:\(bin.port)"
        let (s0, initial) = try await call(client, "GET", base + "/api/v1/settings/llm")
        #expect(s0 == 200)
        #expect(initial["provider"]?.string == "offline")

        let (s1, set) = try await call(client, "PUT", base + "/api/v1/settings/llm", ["baseUrl": .string(fake.baseURL), "model": "fake-model", "apiKey": .string(key)])
        #expect(s1 == 200)
        #expect(set["apiKey"]?["set"]?.bool == true)
        #expect(set["apiKey"]?["hint"]?.string?.contains(String(key.suffix(4))) == true)
        #expect(!set.text.contains(key))
        let (_, answer) = try await call(client, "POST", base + "/qgpt/question", ["query": "hi", "relevant": ["iterable": []]])
        #expect(answer["answers"]?["iterable"]?[0]?["text"]?.string == "from fake")
        #expect(fake.requestHeaders.last?["authorization"] == "Bearer \(key)")

        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
        #expect(!bin.remainingStderr().contains(key), "the key must never be logged")
        for file in try FileManager.default.contentsOfDirectory(atPath: home) where file.hasPrefix("openpieces.sqlite") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: home + "/" + file))
            #expect(bytes.range(of: Data(key.utf8)) == nil, "\(file) holds the key in clear")
        }

        // Restarted: the stored provider is back.
        bin = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await bin.waitUntilListening()
        base = "http://127.0.0.1:\(bin.port)"
        let (_, again) = try await call(client, "POST", base + "/qgpt/question", ["query": "hi", "relevant": ["iterable": []]])
        #expect(again["answers"]?["iterable"]?[0]?["text"]?.string == "after restart")

        // Bad input is refused; DELETE goes back to the offline engine.
        let (s2, bad) = try await call(client, "PUT", base + "/api/v1/settings/llm", ["baseUrl": "ftp://x"])
        #expect(s2 == 400)
        #expect(bad["error"]?["message"]?.string?.contains("baseUrl") == true)
        let (s3, off) = try await call(client, "DELETE", base + "/api/v1/settings/llm")
        #expect(s3 == 200)
        #expect(off["provider"]?.string == "offline")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
