import Core
import Foundation
import HTTPServer
@testable import MCP
import Services
import Testing

/// The pieces that need no server: JSON-RPC parsing, tool names, the session registry.
@Suite struct MCPUnitTests {
    @Test func jsonRPCParsingTellsEachKindOfMessageApart() throws {
        #expect(throws: JSONRPC.Failure.self) { try JSONRPC.parse(Array("{\"jsonrpc\":".utf8)) }
        do { _ = try JSONRPC.parse(Array("nope".utf8)); Issue.record("not JSON must throw") } catch let f as JSONRPC.Failure {
            #expect(f.code == -32700)
        }
        do { _ = try JSONRPC.parse(Array("[]".utf8)); Issue.record("an empty batch must throw") } catch let f as JSONRPC.Failure {
            #expect(f.code == -32600)
        }
        let big = "[" + Array(repeating: "{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1}", count: 51).joined(separator: ",") + "]"
        #expect(throws: JSONRPC.Failure(JSONRPC.invalidRequest, "Invalid Request: a batch holds at most 50 messages.")) { try JSONRPC.parse(Array(big.utf8)) }

        let (messages, batch) = try JSONRPC.parse(Array("""
            [{"jsonrpc":"2.0","id":"a","method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/initialized"},
             {"jsonrpc":"2.0","id":3,"result":{}},{"jsonrpc":"1.0","id":4,"method":"ping"},{"jsonrpc":"2.0","id":{"x":1},"method":"ping"},
             {"jsonrpc":"2.0","id":5,"method":"ping","params":7}, 12]
            """.utf8))
        #expect(batch)
        #expect(messages[0] == .request(id: "a", method: "tools/list", params: nil))
        #expect(messages[1] == .notification(method: "notifications/initialized", params: nil))
        #expect(messages[2] == .response(id: 3))
        guard case .invalid(let id, _) = messages[3] else { Issue.record("jsonrpc 1.0 is invalid"); return }
        #expect(id == 4, "a usable id is kept, so the error names the request")
        guard case .invalid(.null, _) = messages[4] else { Issue.record("an object id is invalid, answered with id null"); return }
        guard case .invalid(5, _) = messages[5] else { Issue.record("params must be structured"); return }
        guard case .invalid(.null, _) = messages[6] else { Issue.record("a bare number is not a message"); return }
    }

    @Test func toolNamesAreValidUniqueBoundedAndStable() {
        let endpoints: [(method: String, path: String)] = [("GET", "/notes"), ("POST", "/notes"), ("DELETE", "/notes/:id"),
                                                          ("GET", "/a-b"), ("GET", "/a_b"), ("GET", "/ünïcode/x.y")]
        let names = ToolNames.names(slug: "notes", endpoints: endpoints)
        #expect(names[0] == "notes__get_notes")
        #expect(names[1] == "notes__post_notes")
        #expect(names[2] == "notes__delete_notes_by_id")
        #expect(names[3] == "notes__get_a-b")
        #expect(names[4] == "notes__get_a_b")
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy(ToolNames.isValid), "\(names)")
        #expect(ToolNames.names(slug: "notes", endpoints: endpoints) == names, "the same endpoints give the same names")

        // Two paths that clean up to the same words: both get a hash of their own endpoint, so both stay unique.
        let clash = ToolNames.names(slug: "s", endpoints: [("GET", "/a.b"), ("GET", "/a,b")])
        #expect(clash[0] != clash[1] && clash.allSatisfy { $0.hasPrefix("s__get_a_b_") && ToolNames.isValid($0) })
        #expect(ToolNames.names(slug: "s", endpoints: [("GET", "/a,b"), ("GET", "/a.b")]).reversed() == clash, "a name does not depend on order")

        // Long slugs and paths are cut to 64 with a hash; different endpoints still differ.
        let slug = String(repeating: "x", count: 48)
        let long = ToolNames.names(slug: slug, endpoints: [("POST", "/" + String(repeating: "very-long-segment/", count: 8) + "one"),
                                                            ("POST", "/" + String(repeating: "very-long-segment/", count: 8) + "two")])
        #expect(long.allSatisfy { $0.count <= 64 && ToolNames.isValid($0) && $0.hasPrefix(slug + "__post_") })
        #expect(long[0] != long[1])
    }

    @Test func serviceSchemasBecomeObjectSchemas() {
        func endpoint(_ path: String, _ schema: JSONValue?) -> EndpointRecordShim { EndpointRecordShim(path: path, schema: schema) }
        let (plain, wrappedPlain) = ServiceTools.schema(endpoint("/notes/:id", nil).record)
        #expect(!wrappedPlain && plain["required"] == ["id"] && plain["properties"]?["id"]?["type"] == "string")
        let (array, wrapped) = ServiceTools.schema(endpoint("/bulk", ["type": "array", "items": ["type": "string"]]).record)
        #expect(wrapped && array["type"] == "object" && array["properties"]?["input"]?["type"] == "array")
        let (merged, _) = ServiceTools.schema(endpoint("/notes/:id", ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]]).record)
        #expect(merged["required"] == ["text", "id"])
    }

    @Test func sessionsAreBoundedOwnedAndExpire() {
        var limits = MCPSessions.Limits()
        limits.maxSessions = 3
        limits.idleSeconds = 60
        let sessions = MCPSessions(limits: limits)
        let t0 = Date()
        let a = sessions.create(.streamableHTTP, owner: "key:1", now: t0)
        #expect(sessions.get(a.id, owner: nil) == nil, "another credential cannot use it")
        #expect(sessions.get(a.id, owner: "key:1") === a)
        let b = sessions.create(.streamableHTTP, owner: nil, now: t0.addingTimeInterval(1))
        let listening = b.openStream()  // listened to: kept over idle ones
        let c = sessions.create(.sse, owner: nil, now: t0.addingTimeInterval(2))
        _ = sessions.create(.sse, owner: nil, now: t0.addingTimeInterval(3))
        #expect(sessions.count == 3)
        #expect(sessions.get(b.id, owner: nil) != nil, "the one with an open stream stays")
        // An hour on, the idle ones expire when the next session is made.
        _ = sessions.create(.sse, owner: nil, now: t0.addingTimeInterval(3600))
        #expect(sessions.get(c.id, owner: nil) == nil)
        #expect(sessions.get(b.id, owner: nil) != nil)
        #expect(sessions.remove(b.id) && !sessions.remove(b.id))
        withExtendedLifetime(listening) {}
    }

    @Test func toolCallsAreTimeLimitedAndNeedTheWriteScope() async {
        let slow = MCPTool(name: "slow", description: "sleeps", inputSchema: ["type": "object"]) { _ in
            try await Task.sleep(nanoseconds: 120_000_000_000)
            return MCPToolResult(text: "late")
        }
        let fails = MCPTool(name: "fails", description: "throws", inputSchema: ["type": "object"]) { _ in throw CancellationError() }
        let logger = Logger(sink: LogSink(capturingAt: .error))
        let server = MCPServer(catalogue: ToolCatalogue(fixed: [slow, fails], dynamic: { [] }), logger: logger, callSeconds: 0.2)
        let session = server.sessions.create(.streamableHTTP, owner: nil)
        let req = Request(method: "POST", target: "/mcp")
        let started = Date()
        let answer = await server.handle(.request(id: 1, method: "tools/call", params: ["name": "slow"]), session: session, request: req)
        // Far below the tool's two minutes, with room for a loaded machine (the whole suite runs in parallel).
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(answer?["result"]?["isError"] == true)
        #expect(answer?["result"]?["content"]?[0]?["text"]?.string?.contains("did not finish within") == true)
        let failed = await server.handle(.request(id: 2, method: "tools/call", params: ["name": "fails"]), session: session, request: req)
        #expect(failed?["result"]?["isError"] == true, "a tool that throws is a failed call, not a protocol error")

        let readOnly = MCPServer(catalogue: ToolCatalogue(fixed: [slow], dynamic: { [] }),
                                 access: MCPAccess(canCallTools: { _ in false }, identity: { _ in nil }), logger: logger)
        let refused = await readOnly.handle(.request(id: 3, method: "tools/call", params: ["name": "slow"]), session: session, request: req)
        #expect(refused?["error"]?["code"] == -32003)
        let listed = await readOnly.handle(.request(id: 4, method: "tools/list", params: nil), session: session, request: req)
        #expect(listed?["result"]?["tools"]?[0]?["name"] == "slow")
        #expect(await readOnly.handle(.notification(method: "notifications/initialized", params: nil), session: session, request: req) == nil)
        #expect(session.isInitialized)
    }

    @Test func notificationsWaitForTheStreamAndReachOnlyInitializedSessions() async {
        let sessions = MCPSessions()
        let s = sessions.create(.streamableHTTP, owner: nil)
        let quiet = sessions.create(.streamableHTTP, owner: nil)
        s.markInitialized()
        sessions.broadcast(JSONRPC.notification("notifications/tools/list_changed"))
        let stream = s.openStream()
        let other = quiet.openStream()
        quiet.close()
        var got: [MCPOutbound] = []
        for await item in stream { got.append(item); break }
        #expect(got == [.message(JSONRPC.notification("notifications/tools/list_changed").text)])
        var none: [MCPOutbound] = []
        for await item in other { none.append(item) }
        #expect(none.isEmpty, "not initialized: nothing sent")
    }
}

struct EndpointRecordShim {
    let path: String
    let schema: JSONValue?
    var record: EndpointRecord {
        EndpointRecord(id: "e", serviceID: "s", method: "GET", path: path, description: "", inputSchema: schema, source: "manifest")
    }
}
