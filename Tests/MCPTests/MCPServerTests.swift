import Core
import Foundation
import HTTPClient
import Testing
import TestSupport

/// MCP over the real binary's sockets: the streamable HTTP rules (sessions, versions, errors, limits, SSE answers),
/// the legacy SSE transport, the host guard, and API-key scopes when the server listens beyond loopback.
@Suite(.serialized) struct MCPServerTests {
    let client = HTTPClient()

    func post(_ base: String, _ body: String, session: String? = nil, headers: [(String, String)] = [], path: String = "/mcp") async throws -> ClientResponse {
        var h = [("Content-Type", "application/json")] + headers
        if !headers.contains(where: { $0.0 == "Accept" }) { h.append(("Accept", "application/json, text/event-stream")) }
        if let session { h.append(("Mcp-Session-Id", session)) }
        return try await client.send(ClientRequest(method: "POST", url: base + path, headers: h, body: Array(body.utf8), timeout: 30))
    }

    static let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#

    func open(_ base: String, headers: [(String, String)] = []) async throws -> String {
        let r = try await post(base, MCPServerTests.initialize, headers: headers)
        #expect(r.status == 200, "\(r.text)")
        let id = try #require(r.header("Mcp-Session-Id"))
        #expect(try await post(base, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: id, headers: headers).status == 202)
        return id
    }

    func json(_ r: ClientResponse) -> JSONValue { JSONValue.parse(r.body) ?? .null }

    /// Reads SSE events from a stream until `count` arrived (or 20 s passed).
    func events(_ body: ResponseBody, count: Int) async throws -> [(event: String, data: String)] {
        var text = "", out: [(String, String)] = []
        let deadline = Date().addingTimeInterval(20)
        for try await chunk in body {
            text += String(decoding: chunk, as: UTF8.self)
            while let end = text.range(of: "\n\n") {
                let block = String(text[..<end.lowerBound])
                text = String(text[end.upperBound...])
                var event = "message", data: [String] = []
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
                }
                if !data.isEmpty { out.append((event, data.joined(separator: "\n"))) }
            }
            if out.count >= count || Date() > deadline { break }
        }
        return out
    }

    @Test func streamableHTTPFollowsTheSpec() async throws {
        let bin = try RunningBinary(["serve", "--port", "0", "--home", try TestPaths.temporaryDirectory("mcp")])
        try await bin.waitUntilListening()
        let base = "http://127.0.0.1:\(bin.port)"

        // initialize: the version asked for when we speak it, else ours; a session id.
        let first = try await post(base, MCPServerTests.initialize)
        #expect(json(first)["result"]?["protocolVersion"] == "2025-06-18")
        #expect(json(first)["result"]?["capabilities"]?["tools"]?["listChanged"] == true)
        let old = try await post(base, #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01"}}"#)
        #expect(json(old)["result"]?["protocolVersion"] == "2025-06-18")
        let session = try await open(base)

        // Sessions are required after initialize, and unknown ones are 404.
        let list = #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#
        #expect(try await post(base, list).status == 400)
        #expect(try await post(base, list, session: "0123456789abcdef").status == 404)
        let tools = try await post(base, list, session: session, headers: [("MCP-Protocol-Version", "2025-06-18")])
        #expect(tools.status == 200 && tools.header("Content-Type") == "application/json")
        let names = (json(tools)["result"]?["tools"]?.array ?? []).compactMap { $0["name"]?.string }
        #expect(names == ["ask_pieces_ltm", "create_pieces_memory"])
        #expect(try await post(base, list, session: session, headers: [("MCP-Protocol-Version", "2099-01-01")]).status == 400)

        // JSON-RPC errors.
        let bad = try await post(base, "{not json", session: session)
        #expect(bad.status == 400 && json(bad)["error"]?["code"] == -32700)
        let unknown = try await post(base, #"{"jsonrpc":"2.0","id":7,"method":"resources/list"}"#, session: session)
        #expect(json(unknown)["error"]?["code"] == -32601 && json(unknown)["id"] == 7)
        let noTool = try await post(base, #"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"nope"}}"#, session: session)
        #expect(json(noTool)["error"]?["code"] == -32602)
        let cursor = try await post(base, #"{"jsonrpc":"2.0","id":9,"method":"tools/list","params":{"cursor":"zz"}}"#, session: session)
        #expect(json(cursor)["error"]?["code"] == -32602)
        let inBatch = try await post(base, "[\(MCPServerTests.initialize)]", session: session)
        #expect(inBatch.status == 400 && json(inBatch)["error"]?["code"] == -32600)
        let huge = try await post(base, #"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":""# + String(repeating: "a", count: 1_100_000) + "\"}}", session: session)
        #expect(huge.status == 413)

        // A batch answers each request in order; notifications alone get 202.
        let batch = try await post(base, #"[{"jsonrpc":"2.0","id":"p","method":"ping"},{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}},{"jsonrpc":"2.0","id":"q","method":"nope"}]"#, session: session)
        #expect(json(batch).array?.map { $0["id"] } == ["p", "q"])
        #expect(try await post(base, #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#, session: session).status == 202)

        // Accept: text/event-stream only → the answers come as SSE.
        let streamed = try await post(base, #"{"jsonrpc":"2.0","id":11,"method":"ping"}"#, session: session, headers: [("Accept", "text/event-stream")])
        #expect(streamed.header("Content-Type") == "text/event-stream")
        #expect(streamed.text.contains("event: message\ndata: {\"id\":11,\"jsonrpc\":\"2.0\",\"result\":{}}"))

        // GET opens the notification stream (it says it is open at once); DELETE ends the session.
        #expect(try await client.send(ClientRequest(method: "GET", url: base + "/mcp", headers: [("Accept", "text/event-stream")])).status == 400)
        let get = try await client.stream(ClientRequest(method: "GET", url: base + "/mcp", headers: [("Accept", "text/event-stream"), ("Mcp-Session-Id", session)], timeout: 30))
        #expect(get.status == 200 && get.header("Content-Type") == "text/event-stream")
        let del = try await client.send(ClientRequest(method: "DELETE", url: base + "/mcp", headers: [("Mcp-Session-Id", session)]))
        #expect(del.status == 204)
        var ended = false
        for try await _ in get.body {}
        ended = true
        #expect(ended, "deleting the session ends its stream")
        #expect(try await post(base, list, session: session).status == 404)

        // Pieces OS's paths: the 2025-03-26 alias, the schema versions, the legacy SSE transport.
        #expect(try await post(base, MCPServerTests.initialize, path: "/model_context_protocol/2025-03-26/mcp").header("Mcp-Session-Id") != nil)
        let versions = json(try await client.send(ClientRequest(url: base + "/model_context_protocol/schema_versions")))
        #expect(versions["iterable"]?.array?.compactMap { $0["version"]?.string } == ["2024-11-05", "2025-03-26", "2025-06-18"])
        #expect(versions["iterable"]?[0]?["entry_endpoint"]?.string == base + "/model_context_protocol/2024-11-05/sse")

        let ltm = json(try await client.send(ClientRequest(url: base + "/workstream_pattern_engine/processors/vision/status")))
        #expect(ltm["vision"]?["activation"]?["continuous"] == true, "pieces-cli's `pieces mcp setup` goes on only when this says on")

        let sse = try await client.stream(ClientRequest(url: base + "/model_context_protocol/2024-11-05/sse", timeout: 30))
        var iterator = sse.body.makeAsyncIterator()
        var head = ""
        while !head.contains("\n\n"), let chunk = try await iterator.next() { head += String(decoding: chunk, as: UTF8.self) }
        #expect(head.hasPrefix("event: endpoint\ndata: /model_context_protocol/2024-11-05/messages?session_id="))
        let endpoint = String(head.split(separator: "\n")[1].dropFirst(6))
        let accepted = try await post(base, #"{"jsonrpc":"2.0","id":"s1","method":"tools/list"}"#, path: endpoint)
        #expect(accepted.status == 202)
        var rest = String(head[head.range(of: "\n\n")!.upperBound...])
        while !rest.contains("\"id\":\"s1\""), let chunk = try await iterator.next() { rest += String(decoding: chunk, as: UTF8.self) }
        #expect(rest.contains("event: message") && rest.contains("ask_pieces_ltm"))
        #expect(try await post(base, "{", path: endpoint).status == 400)
        #expect(try await post(base, MCPServerTests.initialize, path: "/model_context_protocol/2024-11-05/messages?session_id=nope").status == 404)

        // The host guard screens MCP like every loopback-open route.
        #expect(try await post(base, MCPServerTests.initialize, headers: [("Host", "evil.example")]).status == 421)
        #expect(try await post(base, MCPServerTests.initialize, headers: [("Origin", "http://evil.example")]).status == 403)
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func beyondLoopbackReadKeysListAndWriteKeysCall() async throws {
        let bin = try RunningBinary(["serve", "--port", "0", "--host", "0.0.0.0", "--home", try TestPaths.temporaryDirectory("mcp-exposed")])
        try await bin.waitUntilListening()
        let base = "http://127.0.0.1:\(bin.port)"
        let admin = HTTPClient(defaultHeaders: TestAuth.headers)
        func key(_ scope: String) async throws -> String {
            let r = try await admin.send(ClientRequest(method: "POST", url: base + "/api/v1/api-keys", headers: [("Content-Type", "application/json")],
                                                       body: Array(#"{"name":"mcp","scopes":["\#(scope)"]}"#.utf8)))
            return try #require(JSONValue.parse(r.body)?["key"]?.string)
        }
        let read = [("Authorization", "Bearer \(try await key("read"))")]
        let write = [("Authorization", "Bearer \(try await key("write"))")]

        #expect(try await post(base, MCPServerTests.initialize).status == 401)
        #expect(try await client.send(ClientRequest(url: base + "/model_context_protocol/2024-11-05/sse")).status == 401)
        #expect(try await client.send(ClientRequest(url: base + "/model_context_protocol/schema_versions")).status == 401)

        let call = #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"ask_pieces_ltm","arguments":{"question":"anything"}}}"#
        let readSession = try await open(base, headers: read)
        let listed = try await post(base, #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, session: readSession, headers: read)
        #expect(listed.status == 200 && json(listed)["result"]?["tools"]?.array?.count == 2)
        let refused = try await post(base, call, session: readSession, headers: read)
        #expect(json(refused)["error"]?["code"] == -32003, "\(refused.text)")
        #expect(json(refused)["error"]?["message"]?.string?.contains("write") == true)
        #expect(try await post(base, call, session: readSession, headers: write).status == 404, "a session stays with the key that opened it")

        let writeSession = try await open(base, headers: write)
        let answered = try await post(base, call, session: writeSession, headers: write)
        #expect(json(answered)["result"]?["isError"] == false, "\(answered.text)")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
