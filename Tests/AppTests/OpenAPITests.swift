import App
import Core
import Foundation
import HTTPClient
import Testing
import TestSupport

/// The OpenAPI documents on the real binary: every `/api/v1` route the router holds is documented and in the
/// document, with the scope its route group really asks; documented bodies are enforced; services get their own document.
@Suite(.serialized) struct OpenAPITests {
    let admin = HTTPClient(defaultHeaders: TestAuth.headers)
    let anonymous = HTTPClient()

    func send(_ c: HTTPClient, _ method: String, _ url: String, _ body: String? = nil, headers: [(String, String)] = []) async throws -> ClientResponse {
        try await c.send(ClientRequest(method: method, url: url, headers: [("Content-Type", "application/json")] + headers, body: body.map { Array($0.utf8) }))
    }

    func serve() async throws -> (RunningBinary, String) {
        let bin = try RunningBinary(["serve", "--port", "0", "--home", try TestPaths.temporaryDirectory("openapi")])
        try await bin.waitUntilListening()
        return (bin, "http://127.0.0.1:\(bin.port)")
    }

    func stop(_ bin: RunningBinary) async throws {
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func everyAPIRouteIsDocumentedInTheDocumentWithTheScopeTheGateAsks() async throws {
        let app = try await offPool { try Application(options: try ServeOptions.forTest("openapi-routes"),
                                  logger: Logger(sink: LogSink(capturingAt: .error)), environment: [:], listen: false) }
        let routes = app.routes.filter { $0.pattern.hasPrefix("/api/v1/") }
        #expect(routes.count > 60)
        let (bin, base) = try await serve()
        let response = try await send(admin, "GET", base + "/api/v1/openapi.json")
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
        let doc = try #require(JSONValue.parse(response.body))
        #expect(doc["openapi"] == "3.1.0")
        #expect(doc["servers"]?[0]?["url"]?.string == base, "the server is this server's public URL")
        #expect(doc["components"]?["securitySchemes"]?["bearerAuth"]?["scheme"] == "bearer")
        #expect(doc["components"]?["securitySchemes"]?["csrfToken"]?["name"] == "X-CSRF-Token")
        let paths = try #require(doc["paths"]?.object)
        var operationIDs: Set<String> = []
        for route in routes {
            // `:id` → `{id}`: the document's path for the route.
            let path = "/" + route.pattern.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            let op = try #require(paths[path]?[route.method.lowercased()], "\(route.method) \(route.pattern) is documented and in /api/v1/openapi.json")
            #expect(op["summary"]?.string?.isEmpty == false && op["tags"]?[0]?.string != nil, "\(route.method) \(path) has a summary and a tag")
            #expect(op["responses"]?.object?.keys.contains { $0.hasPrefix("2") } == true, "\(route.method) \(path) documents its success")
            let declared = Set((op["parameters"]?.array ?? []).filter { $0["in"] == "path" }.compactMap { $0["name"]?.string })
            let needed = Set(route.pattern.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) })
            #expect(declared == needed, "\(route.method) \(path) declares its path parameters")
            let id = try #require(op["operationId"]?.string)
            #expect(operationIDs.insert(id).inserted, "operationId \(id) is unique")
        }
        #expect(paths.values.map { $0.object?.count ?? 0 }.reduce(0, +) == routes.count, "the document holds only routes the router has")

        // The documented scope is the one the gate applies: a key one scope short is refused, the open routes are open.
        func key(_ scopes: [String]) async throws -> String {
            let r = JSONValue.parse(try await send(admin, "POST", base + "/api/v1/api-keys", JSONValue.object(["name": "t", "scopes": .array(scopes.map { .string($0) })]).text).body)
            return try #require(r?["key"]?.string)
        }
        let readKey = try await key(["read"]), writeKey = try await key(["write"])
        for (path, item) in paths {
            let concrete = path.split(separator: "/").map { $0.hasPrefix("{") ? "x" : String($0) }.joined(separator: "/")
            for (method, op) in item.object ?? [:] {
                let m = method.uppercased()
                switch op["x-required-scope"]?.string {
                case nil:
                    #expect(op["security"] == [], "\(m) \(path) is documented as open")
                    if m == "GET" { #expect(try await send(anonymous, m, base + "/" + concrete).status == 200, "\(m) \(path) is open") }
                case "read":
                    #expect(op["security"]?[0] == ["bearerAuth": ["read"]])
                    #expect(m == "GET")
                    let r = try await send(anonymous, m, base + "/" + concrete, headers: [("Authorization", "Bearer \(readKey)")])
                    #expect(r.status != 401 && r.status != 403, "\(m) \(path) takes a read key: \(r.status)")
                case let scope?:
                    #expect(op["security"]?[0] == ["bearerAuth": [.string(scope)]])
                    #expect(op["security"]?[1] == ["sessionCookie": [], "csrfToken": []] || m == "GET", "\(m) \(path): a session change needs its CSRF token")
                    let narrower = scope == "admin" ? writeKey : readKey
                    let r = try await send(anonymous, m, base + "/" + concrete, "{}", headers: [("Authorization", "Bearer \(narrower)")])
                    #expect(r.status == 403, "\(m) \(path) needs '\(scope)': \(r.status)")
                }
            }
        }
        #expect(try await send(anonymous, "GET", base + "/api/v1/openapi.json").status == 401, "the document needs the read scope, like the rest")
        try await stop(bin)
    }

    @Test func documentedBodiesAreEnforcedBeforeTheHandler() async throws {
        let (bin, base) = try await serve()
        func error(_ method: String, _ path: String, _ body: String) async throws -> (Int, String?, String) {
            let r = try await send(admin, method, base + path, body)
            let e = JSONValue.parse(r.body)?["error"]
            return (r.status, e?["code"]?.string, e?["message"]?.string ?? "")
        }
        let wrongType = try await error("POST", "/api/v1/brain", #"{"kind":"fact","text":7}"#)
        #expect(wrongType.0 == 400 && wrongType.1 == "invalid_body")
        #expect(wrongType.2.contains("body.text: must be string"), "the message names the field: \(wrongType.2)")
        let missing = try await error("PUT", "/api/v1/secrets/API_KEY", "{}")
        #expect(missing.0 == 400 && missing.1 == "invalid_body" && missing.2.contains("body.value: is required"))
        let badEnum = try await error("POST", "/api/v1/webhooks", #"{"url":"http://127.0.0.1:9/","events":["nope"]}"#)
        #expect(badEnum.1 == "invalid_body" && badEnum.2.contains("body.events[0]"))
        #expect(try await error("POST", "/api/v1/brain", "{not json").1 == "invalid_json")
        #expect(try await error("POST", "/api/v1/brain", "").1 == "invalid_body", "a required body cannot be left out")
        // An optional body may be left out; what matches the schema reaches the handler.
        #expect(try await send(admin, "POST", base + "/api/v1/chats").status == 201)
        #expect(try await send(admin, "POST", base + "/api/v1/brain", #"{"kind":"fact","text":"enforced"}"#).status == 201)
        // The gate still comes first: no schema is disclosed, nor checked, for a caller without credentials.
        #expect(try await send(anonymous, "POST", base + "/api/v1/brain", "{not json").status == 401)
        try await stop(bin)
    }

    @Test func eachServiceHasItsOwnDocument() async throws {
        let (bin, base) = try await serve()
        let manifest: JSONValue = [
            "kind": "action", "title": "Notes", "description": "Notes.",
            "endpoints": [
                ["method": "GET", "path": "/notes", "description": "List notes.",
                 "inputSchema": ["type": "object", "properties": ["q": ["type": "string"], "limit": ["type": "integer"]], "required": ["q"]],
                 "outputSchema": ["type": "object", "properties": ["notes": ["type": "array"]]]],
                ["method": "POST", "path": "/notes", "inputSchema": ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]]],
                ["method": "PUT", "path": "/notes/:id",
                 "inputSchema": ["type": "object", "properties": ["id": ["type": "integer"], "text": ["type": "string"]], "required": ["id", "text"]]],
                ["method": "DELETE", "path": "/notes/:id"],
            ],
        ]
        let body: JSONValue = ["slug": "notes", "start": false, "files": ["main.ts": "Deno.serve(() => new Response('ok'))", "service.json": manifest]]
        #expect(try await send(admin, "POST", base + "/api/v1/services", body.text).status == 201)
        let r = try await send(admin, "GET", base + "/api/v1/services/notes/openapi.json")
        #expect(r.status == 200)
        let doc = try #require(JSONValue.parse(r.body))
        #expect(doc["openapi"] == "3.1.0")
        #expect(doc["info"]?["title"] == "Notes")
        #expect(doc["servers"]?[0]?["url"]?.string == "http://notes.localhost:\(bin.port)", "the service's own origin")
        #expect(doc["servers"]?[1]?["url"]?.string == base + "/s/notes")
        let list = try #require(doc["paths"]?["/notes"]?["get"])
        #expect(list["parameters"] == [["name": "limit", "in": "query", "required": false, "schema": ["type": "integer"]],
                                       ["name": "q", "in": "query", "required": true, "schema": ["type": "string"]]], "GET input goes in the query")
        #expect(list["responses"]?["200"]?["content"]?["application/json"]?["schema"]?["properties"]?["notes"] == ["type": "array"])
        #expect(doc["paths"]?["/notes"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]?["required"] == ["text"])
        let put = try #require(doc["paths"]?["/notes/{id}"]?["put"])
        #expect(put["parameters"]?[0] == ["name": "id", "in": "path", "required": true, "schema": ["type": "integer"]])
        #expect(put["requestBody"]?["content"]?["application/json"]?["schema"] == ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]],
                "the body is the input less the path parameters")
        #expect(doc["paths"]?["/notes/{id}"]?["delete"]?["requestBody"] == nil)
        let unknown = try await send(admin, "GET", base + "/api/v1/services/nope/openapi.json")
        #expect(unknown.status == 404 && JSONValue.parse(unknown.body)?["error"]?["code"] == "not_found")
        try await stop(bin)
    }
}
