import Core
import FakeLLM
import Foundation
import LLM
import PiecesAPI
import Testing
import TestSupport

@Suite struct ModelDownloadTests {
    func progress(_ f: PiecesFixture, _ id: String) async throws -> [JSONValue] {
        let ws = try await WSClient(port: f.server.port, path: "/model/\(id)/download/progress")
        var out: [JSONValue] = []
        while true {
            guard let m = JSONValue.parse(try await ws.readText()) else { continue }
            out.append(m)
            if m["status"]?.string != "INITIALIZED" { return out }
        }
    }

    @Test func pullsFromALocalRuntimeWithProgressAndPersists() async throws {
        let fake = try FakeLLMServer([], chunkDelay: 0.03)
        defer { Task { await fake.shutdown() } }
        try await PiecesFixture.with(llm: LLMSettings(baseURL: fake.baseURL, apiKey: nil, model: "llama3.2")) { f in
            let id = try #require(try await f.get("/models")["iterable"]?[0]?["id"]?.string)
            let started = try await f.post("/model/\(id)/download")
            #expect(started["downloading"]?.bool == true)
            let updates = try await progress(f, id)
            let percentages = updates.compactMap { $0["percentage"]?.double }
            #expect(updates.last?["status"]?.string == "COMPLETED")
            #expect(updates.last?["percentage"]?.double == 100)
            #expect(percentages.count >= 3, "progress arrives in steps: \(percentages)")
            #expect(percentages == percentages.sorted(), "progress only goes up")
            let model = try await f.get("/model/\(id)")
            #expect(model["downloaded"]?.bool == true)
            #expect(model["downloading"]?.bool == false)
            let row = try f.db.read { try $0.queryOne("SELECT status, downloaded FROM model_states WHERE id = ?", [id]) }
            #expect(row?["status"].string == "COMPLETED")
            #expect(row?["downloaded"].bool == true)
        }
    }

    @Test func failedPullIsReported() async throws {
        let fake = try FakeLLMServer([])
        defer { Task { await fake.shutdown() } }
        try await PiecesFixture.with(llm: LLMSettings(baseURL: fake.baseURL, apiKey: nil, model: "missing-model")) { f in
            let id = try #require(try await f.get("/models")["iterable"]?[0]?["id"]?.string)
            _ = try await f.post("/model/\(id)/download")
            let updates = try await progress(f, id)
            #expect(updates.last?["status"]?.string == "FAILED")
            #expect(updates.last?["errorMessage"]?.string?.contains("file does not exist") == true)
            #expect(try await f.get("/model/\(id)")["downloaded"]?.bool == false)
        }
    }

    @Test func offlineEngineNeedsNoDownload() async throws {
        try await PiecesFixture.with { f in
            _ = try await f.post("/model/\(OfflineEngine.modelID)/download")
            let updates = try await progress(f, OfflineEngine.modelID)
            #expect(updates.last?["status"]?.string == "COMPLETED")
            #expect(try await f.call("POST", "/model/unknown/download").0 == 404)
        }
    }
}
