import App
import Core
import FakeLLM
import Foundation
import HTTPClient
import HTTPServer
import LLM
import PiecesAPI
import Testing
import TestSupport

/// What real Pieces clients do first: connect, read the user, keep the health and user streams open.
@Suite struct ClientHandshakeTests {
    static let seed: JSONValue = ["application": ["name": "OPEN_SOURCE", "platform": "LINUX", "version": "5.0.0"]]

    @Test func connectAnswersAContextAndRegistersTheClient() async throws {
        try await PiecesFixture.with { f in
            let context = try await f.post("/connect", ClientHandshakeTests.seed)
            let app = try #require(context["application"])
            let id = try #require(app["id"]?.string)
            #expect(app["name"]?.string == "OPEN_SOURCE")
            #expect(app["platform"]?.string == "LINUX")
            #expect(app["version"]?.string == "5.0.0")
            #expect(app["onboarded"]?.bool == true)
            #expect(app["privacy"]?.string == "OPEN")
            let os = try #require(context["os"]?.string)
            #expect(context["health"]?["os"]?["id"]?.string == os)
            #expect(context["health"]?["os"]?["version"]?.string == ProductVersion.piecesAPILevel)
            #expect(context["user"]?["id"]?.string == "local-user")
            #expect(context["user"]?["aesthetics"]?["theme"] != nil)
            #expect(try await f.get("/applications")["iterable"]?.array?.contains { $0["id"]?.string == id } == true)

            // Reconnecting (an upgraded client too) keeps one record, and the OS id stays the same.
            let again = try await f.post("/connect", ["application": ["name": "OPEN_SOURCE", "platform": "LINUX", "version": "5.1.0"]])
            #expect(again["application"]?["id"]?.string == id)
            #expect(again["os"]?.string == os)
            let apps = try #require(try await f.get("/applications")["iterable"]?.array)
            #expect(apps.filter { $0["id"]?.string == id }.map { $0["version"]?.string } == ["5.1.0"])
            // Another client is another application.
            let other = try await f.post("/connect", ["application": ["name": "VS_CODE", "platform": "MACOS", "version": "1.0.0"]])
            #expect(other["application"]?["id"]?.string != id)

            let (status, body) = try await f.call("POST", "/connect", ["application": ["platform": "LINUX"]])
            #expect(status == 400)
            #expect(body["error"]?["message"]?.string?.contains("application.name") == true)
            #expect(try await f.call("POST", "/connect", [:]).0 == 400)
        }
    }

    @Test func healthStreamSaysOkAndStaysOpenUntilTheClientLeaves() async throws {
        try await PiecesFixture.with { f in
            let ws = try await WSClient(port: f.server.port, path: "/.well-known/stream/health")
            #expect(try await ws.readText() == "ok")
            try await Task.sleep(nanoseconds: 300_000_000)
            try ws.send(0x9, Array("still there?".utf8))
            let (op, payload) = try await ws.read()
            #expect(op == 0xA)
            #expect(payload == Array("still there?".utf8))
            try ws.send(0x8, [0x03, 0xE8])
            #expect(try await ws.readCloseCode() == 1000)
        }
    }

    @Test func userStreamSendsTheProfile() async throws {
        try await PiecesFixture.with { f in
            let ws = try await WSClient(port: f.server.port, path: "/user/stream")
            let profile = try #require(JSONValue.parse(try await ws.readText()))
            #expect(profile["id"]?.string == "local-user")
            #expect(profile["aesthetics"]?["font"]?["size"]?.int == 14)
            #expect(profile["id"] == (try await f.get("/user"))["user"]?["id"])
            try ws.send(0x9, [1])
            #expect(try await ws.read().0 == 0xA)
        }
    }

    /// pieces-cli (`pieces mcp`, its `ask_pieces_ltm` gateway) goes on only when `vision.activation` is set; the stream
    /// says the same as the status.
    @Test func visionStatusSaysLongTermMemoryIsOnForGood() async throws {
        try await PiecesFixture.with { f in
            let status = try await f.get("/workstream_pattern_engine/processors/vision/status")
            #expect(status["vision"]?["activation"]?["continuous"] == true)
            #expect(status["vision"]?["deactivation"] == nil)
            let ws = try await WSClient(port: f.server.port, path: "/workstream_pattern_engine/processors/vision/status/stream")
            #expect(JSONValue.parse(try await ws.readText()) == status)
        }
    }
}

/// The catalogue's aliases: whichever a client picks, the configured provider answers, and says which model it was.
@Suite struct ModelCatalogueTests {
    func alias(_ f: PiecesFixture, _ name: String) async throws -> JSONValue {
        try #require(try await f.get("/models")["iterable"]?.array?.first { $0["name"]?.string == name })
    }

    @Test func offlineAliasesSaySoAndAnswerOffline() async throws {
        try await PiecesFixture.with { f in
            let models = try #require(try await f.get("/models")["iterable"]?.array)
            let names = Set(models.compactMap { $0["name"]?.string })
            for n in ["GPT-3.5-turbo Chat Model", "GPT-4o Chat Model", "o4-mini Chat Model", "Gemini-2.0 Flash Lite Chat Model"] {
                #expect(names.contains(n), "missing \(n)")
            }
            let uniques = Set(models.compactMap { $0["unique"]?.string })
            #expect(uniques.isSuperset(of: ["gemini-2.0-flash-lite-001", "o4-mini-2025-04-16", "gpt-4o", "gpt-3.5-turbo"]))
            let gpt4o = try await alias(f, "GPT-4o Chat Model")
            #expect(gpt4o["description"]?.string?.contains("offline engine") == true)
            #expect(gpt4o["downloaded"]?.bool == true)  // the SDK wrapper lists only cloud or downloaded models
            let answer = try await f.post("/qgpt/question", ["query": "anything", "relevant": ["iterable": []], "model": gpt4o["id"]!])
            #expect(answer["model"]?["actual"]?.string == OfflineEngine.modelID)
            #expect(answer["model"]?["name"]?.string == "GPT-4o Chat Model")
        }
    }

    @Test func aliasesRunOnTheConfiguredProviderAndReportTheActualModel() async throws {
        let fake = try FakeLLMServer([.text(["by id"]), .text(["by unique"]), .text(["loaded"]), .text(["str", "eamed"])], chunkDelay: 0.01)
        defer { Task { await fake.shutdown() } }
        try await PiecesFixture.with(llm: LLMSettings(baseURL: fake.baseURL, apiKey: nil, model: "fake-model")) { f in
            let gpt4o = try await alias(f, "GPT-4o Chat Model")
            let gpt4oID = try #require(gpt4o["id"]?.string)
            #expect(gpt4o["unique"]?.string == "gpt-4o")
            #expect(gpt4o["description"]?.string?.contains("runs on fake-model at 127.0.0.1:\(fake.port)") == true)

            // Picked by id in the request's `model` field.
            let byID = try await f.post("/qgpt/question", ["query": "q1", "relevant": ["iterable": []], "model": .string(gpt4oID)])
            #expect(byID["answers"]?["iterable"]?[0]?["text"]?.string == "by id")
            #expect(byID["model"]?["actual"]?.string == "fake-model")
            #expect(byID["model"]?["id"]?.string == gpt4oID)
            // Picked by `unique`, as some clients do.
            let byUnique = try await f.post("/qgpt/question", ["query": "q2", "relevant": ["iterable": []], "model": "gemini-2.0-flash-lite-001"])
            #expect(byUnique["model"]?["name"]?.string == "Gemini-2.0 Flash Lite Chat Model")
            #expect(byUnique["model"]?["actual"]?.string == "fake-model")
            // Loaded: the default for requests that name no model.
            let loaded = try await f.post("/model/\(gpt4oID)/load")
            #expect(loaded["loaded"]?.bool == true)
            let byDefault = try await f.post("/qgpt/question", ["query": "q3", "relevant": ["iterable": []]])
            #expect(byDefault["model"]?["id"]?.string == gpt4oID)
            #expect(fake.requests.count == 3)
            #expect(fake.requests.allSatisfy { $0["model"]?.string == "fake-model" })
            // Downloading an alias has nothing to pull.
            #expect(try await f.post("/model/\(gpt4oID)/download")["downloaded"]?.bool == true)

            // Streamed into a conversation: the assistant message names the model that wrote it.
            let ws = try await WSClient(port: f.server.port, path: "/qgpt/stream")
            try ws.sendText(JSONValue.object(["relevance": ["query": "stream it", "model": .string(gpt4oID), "options": ["question": true]]]).text)
            var last: JSONValue = .null
            while !["COMPLETED", "FAILED"].contains(last["status"]?.string ?? "") {
                last = try #require(JSONValue.parse(try await ws.readText()))
            }
            #expect(last["status"]?.string == "COMPLETED")
            #expect(last["model"]?["actual"]?.string == "fake-model")
            let conversation = try #require(last["conversation"]?.string)
            let messages = try #require(try await f.get("/conversation/\(conversation)/messages")["iterable"]?.array)
            #expect(messages.map { $0["role"]?.string } == ["USER", "ASSISTANT"])
            #expect(messages[1]["model"]?["name"]?.string == "fake-model")
            #expect(messages[1]["model"]?["id"]?.string == gpt4oID)
            #expect(messages[0]["model"] == nil)
        }
    }

    @Test func aliasIDsSurviveAProviderChange() async throws {
        try await PiecesFixture.with { f in
            let before = try await alias(f, "o4-mini Chat Model")["id"]
            try await PiecesFixture.with(llm: LLMSettings(baseURL: "http://127.0.0.1:9/v1", apiKey: nil, model: "m")) { g in
                let after = try await alias(g, "o4-mini Chat Model")["id"]
                #expect(after == before)
            }
        }
    }
}

/// QGPT calls are counted in the usage ledger under the model that actually answered.
@Suite struct QGPTUsageTests {
    @Test func qgptCallsAppearInUsageUnderTheActualModel() async throws {
        let fake = try FakeLLMServer([.text(["counted"])])
        defer { Task { await fake.shutdown() } }
        let home = try TestPaths.temporaryDirectory("qgpt-usage")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--llm-base-url", fake.baseURL, "--llm-model", "fake-model"],
                                    environment: ["OPENPIECES_PIECES_PORT_FILE": "off"])
        try await bin.waitUntilListening()
        defer { kill(bin.process.processIdentifier, SIGTERM) }
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        let models = JSONValue.parse(try await client.send(ClientRequest(url: base + "/models")).body)
        let alias = try #require(models?["iterable"]?.array?.first { $0["name"]?.string == "GPT-4o Chat Model" }?["id"])
        let body = JSONValue.object(["query": "q", "relevant": ["iterable": []], "model": alias])
        let r = try await client.send(ClientRequest(method: "POST", url: base + "/qgpt/question", headers: [("Content-Type", "application/json")], body: body.bytes))
        #expect(r.status == 200)
        let usage = JSONValue.parse(try await client.send(ClientRequest(url: base + "/api/v1/usage")).body)
        let row = usage?["models"]?.array?.first { $0["model"]?.string == "fake-model" }
        #expect(row?["calls"]?.int == 1)
        #expect(usage?["models"]?.array?.contains { $0["model"]?.string == "gpt-4o" } == false)
    }
}

/// Message ids sort in creation order: the SDK wrapper lists messages in the (sorted) key order of `indices`.
@Suite struct OrderedMessageIDTests {
    @Test func idsMadeInARowSortInThatOrder() async throws {
        try await PiecesFixture.with { f in
            let ws = try await WSClient(port: f.server.port, path: "/qgpt/stream")
            var conversation: JSONValue = .null
            for q in ["one", "two", "three"] {
                var input: [String: JSONValue] = ["question": ["query": .string(q), "relevant": ["iterable": []]]]
                if conversation != .null { input["conversation"] = conversation }
                try ws.sendText(JSONValue.object(input).text)
                while true {
                    let m = try #require(JSONValue.parse(try await ws.readText()))
                    conversation = m["conversation"] ?? conversation
                    if m["status"]?.string == "COMPLETED" { break }
                }
            }
            let messages = try #require(try await f.get("/conversation/\(conversation.string ?? "")/messages")["iterable"]?.array)
            let ids = messages.compactMap { $0["id"]?.string }
            #expect(ids.count == 6)
            #expect(ids == ids.sorted())
            #expect(ids.allSatisfy { $0.count == 36 && Array($0)[14] == "7" })  // UUIDv7-shaped
        }
    }
}
