import Core
import FakeLLM
import Foundation
import PiecesAPI
import Testing
import TestSupport

/// One `/qgpt/stream` connection cannot start questions without bound: each holds a model call and its material.
@Suite struct QGPTStreamLimitTests {
    @Test func atMostFourQuestionsRunAtOnceOnOneStream() async throws {
        let slow = ScriptedLLMServer.Turn.text(Array(repeating: "x", count: 40))  // 40 chunks, 0.1 s apart: 4 s each
        let fake = try FakeLLMServer(Array(repeating: slow, count: 8), chunkDelay: 0.1)
        defer { Task { await fake.shutdown() } }
        try await PiecesFixture.with(llm: LLMSettings(baseURL: fake.baseURL, apiKey: nil, model: "fake-model")) { f in
            let ws = try await WSClient(port: f.server.port, path: "/qgpt/stream")
            for i in 0..<6 { 
                let input: JSONValue = ["request": .string("q\(i)"), "question": ["query": .string("question \(i)")]]
                try ws.sendText(input.text)
             }
            var refused: Set<String> = []
            while refused.count < 2 {
                let m = try #require(JSONValue.parse(try await ws.readText()))
                if m["status"]?.string == "FAILED" {
                    #expect(m["statusCode"]?.int == 429, "\(m.text)")
                    #expect(m["errorMessage"]?.string?.contains("At most 4 questions") == true)
                    refused.insert(m["request"]?.string ?? "")
                }
            }
            #expect(refused == ["q4", "q5"])
            let stop: JSONValue = ["stop": true]
            try ws.sendText(stop.text)
        }
    }
}
