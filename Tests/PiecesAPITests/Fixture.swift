import App
import Core
import FakeLLM
import Foundation
import HTTPClient
import HTTPServer
import PiecesAPI
import Store
import TestSupport

/// A real server with the Pieces API over a fresh SQLite file, optionally backed by the fake LLM.
struct PiecesFixture {
    let server: HTTPServer
    let db: Database
    let client = HTTPClient(defaultHeaders: TestAuth.headers)
    var base: String { "http://127.0.0.1:\(server.port)" }

    static func with(llm: LLMSettings = LLMSettings(), anchorFiles: AnchorFilePolicy = AnchorFilePolicy(), _ body: (PiecesFixture) async throws -> Void) async throws {
        let dir = try TestPaths.temporaryDirectory("pieces")
        let db = try await TestDatabase.open(dir + "/p.sqlite", migrations: Schema.all)
        let api = try PiecesAPI(database: db, llm: llm, logger: Logger(sink: LogSink(capturingAt: .error)), anchorFiles: anchorFiles)
        var router = Router()
        api.install(&router)
        var limits = ServerLimits()
        limits.shutdownGrace = 2
        let server = try HTTPServer(configuration: ServerConfiguration(port: 0, eventLoops: 2, limits: limits),
                                    router: router, logger: Logger(sink: LogSink(capturingAt: .error)))
        let fixture = PiecesFixture(server: server, db: db)
        do { try await body(fixture) } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    func call(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> (Int, JSONValue) {
        let r = try await client.send(ClientRequest(method: method, url: base + path, headers: [("Content-Type", "application/json")],
                                                    body: body.map { $0.bytes }))
        return (r.status, JSONValue.parse(r.body) ?? .string(r.text))
    }

    func post(_ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let (status, json) = try await call("POST", path, body)
        guard status == 200 else { throw TestError("POST \(path) answered \(status): \(json.text)") }
        return json
    }

    func get(_ path: String) async throws -> JSONValue {
        let (status, json) = try await call("GET", path)
        guard status == 200 else { throw TestError("GET \(path) answered \(status): \(json.text)") }
        return json
    }

    @discardableResult
    func createAsset(_ text: String, name: String? = nil, language: String? = nil) async throws -> JSONValue {
        var format: [String: JSONValue] = ["fragment": ["string": ["raw": .string(text)]]]
        if let language { format["classification"] = ["specific": .string(language)] }
        var asset: [String: JSONValue] = ["application": ["id": "test-app", "name": "VS_CODE", "version": "1.0.0", "platform": "LINUX",
                                                          "onboarded": true, "privacy": "OPEN"],
                                          "format": .object(format)]
        if let name { asset["metadata"] = ["name": .string(name)] }
        return try await post("/assets/create", ["type": "SEEDED_ASSET", "asset": .object(asset)])
    }
}
