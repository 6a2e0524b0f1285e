import App
import Core
import Foundation
import HTTPServer
@testable import MCP
import Services
import Testing
import TestSupport

/// The pieces that need no server: JSON-RPC parsing, tool names, the session registry.
@Suite(.offPool) struct MCPUnitTests {
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

    @Test func sessionsAreBoundedOwnedAndExpire() throws {
        var limits = MCPSessions.Limits()
        limits.maxSessions = 3
        limits.maxPerOwner = 3
        limits.idleSeconds = 60
        let sessions = MCPSessions(limits: limits)
        let t0 = Date()
        let a = try sessions.create(.streamableHTTP, owner: "key:1", now: t0)
        #expect(sessions.get(a.id, owner: nil) == nil, "another credential cannot use it")
        #expect(sessions.get(a.id, owner: "key:1") === a)
        let b = try sessions.create(.streamableHTTP, owner: nil, now: t0.addingTimeInterval(1))
        let listening = b.openStream()  // listened to: kept over idle ones
        let c = try sessions.create(.sse, owner: nil, now: t0.addingTimeInterval(2))
        _ = try sessions.create(.sse, owner: nil, now: t0.addingTimeInterval(3))
        #expect(sessions.count == 3)
        #expect(sessions.get(b.id, owner: nil) != nil, "the one with an open stream stays")
        // An hour on, the idle ones expire when the next session is made.
        _ = try sessions.create(.sse, owner: nil, now: t0.addingTimeInterval(3600))
        #expect(sessions.get(c.id, owner: nil) == nil)
        #expect(sessions.get(b.id, owner: nil) != nil)
        #expect(sessions.remove(b.id) && !sessions.remove(b.id))
        withExtendedLifetime(listening) {}
    }

    @Test func oneOwnerCannotPushOutAnothersSessions() throws {
        var limits = MCPSessions.Limits()
        limits.maxSessions = 4
        limits.maxPerOwner = 2
        limits.idleSeconds = 60
        let sessions = MCPSessions(limits: limits)
        let t0 = Date()
        let a1 = try sessions.create(.streamableHTTP, owner: "key:a", now: t0)
        let a2 = try sessions.create(.streamableHTTP, owner: "key:a", now: t0.addingTimeInterval(1))
        let b1 = try sessions.create(.streamableHTTP, owner: "key:b", now: t0.addingTimeInterval(2))
        let b2 = try sessions.create(.sse, owner: "key:b", now: t0.addingTimeInterval(3))
        // Past its own cap, an owner drops its own least recently used session, nobody else's.
        let b3 = try sessions.create(.sse, owner: "key:b", now: t0.addingTimeInterval(4))
        #expect(sessions.get(b1.id, owner: "key:b") == nil)
        #expect(sessions.get(b2.id, owner: "key:b") === b2 && sessions.get(b3.id, owner: "key:b") === b3)
        // Every slot is held by others' live sessions: refused, with when to retry, and theirs stay.
        do {
            _ = try sessions.create(.streamableHTTP, owner: "key:c", now: t0.addingTimeInterval(5))
            Issue.record("a full server must refuse a new owner's session")
        } catch {
            #expect(error.status == 503 && error.code == "too_many_sessions")
            let retry = Int(error.headers.first { $0.0 == "Retry-After" }?.1 ?? "") ?? 0
            #expect((1...60).contains(retry), "\(error.headers)")
            #expect(error.message.contains("Retry in \(retry) s"))
        }
        #expect(sessions.get(a1.id, owner: "key:a") === a1 && sessions.get(a2.id, owner: "key:a") === a2)
        #expect(sessions.count == 4)
        // Once others' sessions go idle past the limit they expire, and a new owner gets in.
        let listening = a1.openStream()  // listened to: never expires
        let c = try sessions.create(.streamableHTTP, owner: "key:c", now: Date().addingTimeInterval(3600))
        #expect(sessions.get(a1.id, owner: "key:a") === a1 && sessions.get(a2.id, owner: "key:a") == nil)
        #expect(sessions.get(c.id, owner: "key:c") === c && sessions.count == 2)
        withExtendedLifetime(listening) {}
    }

    @Test func aFullServerAnswersInitializeWith503AndRetryAfter() async throws {
        var limits = MCPSessions.Limits()
        limits.maxSessions = 1
        let logger = Logger(sink: LogSink(capturingAt: .error))
        let server = MCPServer(catalogue: ToolCatalogue(fixed: [], dynamic: { [] }), sessions: MCPSessions(limits: limits),
                               access: MCPAccess(canCallTools: { _ in true }, identity: { $0.headers["X-Owner"] }), logger: logger)
        let http = StreamableHTTP(server: server)
        func initialize(_ owner: String) async -> Response {
            await http.post(Request(method: "POST", target: "/mcp", headers: HTTPHeaders([("X-Owner", owner), ("Content-Type", "application/json")]),
                                    body: Array(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#.utf8)))
        }
        #expect(await initialize("key:a").status == 200)
        let refused = await initialize("key:b")
        #expect(refused.status == 503)
        #expect(refused.headers["Retry-After"].flatMap { Int($0) } != nil)
        guard case .bytes(let body) = refused.body else { Issue.record("a JSON body"); return }
        #expect(JSONValue.parse(body)?["error"]?["code"] == "too_many_sessions")
        #expect(refused.headers["Content-Type"] == "application/json")
        #expect(await initialize("key:a").status == 200, "an owner may replace its own session")
    }

    @Test func toolListChangesAreAnnouncedInOrderAndSchemaChangesCount() async throws {
        // The service tools as `state` says when a look begins; the first look is slow, so a change handled out of
        // order would announce that older list last.
        struct State { var names: [String] = []; var schema: JSONValue = ["type": "object"]; var looks = 0 }
        let state = Locked(State())
        let catalogue = ToolCatalogue(fixed: [], dynamic: {
            let (now, look) = state.withLock { s -> (State, Int) in s.looks += 1; return (s, s.looks) }
            if look == 1 { try await Task.sleep(nanoseconds: 400_000_000) }
            return now.names.map { MCPTool(name: $0, description: "tool \($0)", inputSchema: now.schema) { _ in MCPToolResult(text: "") } }
        })
        let server = MCPServer(catalogue: catalogue, logger: Logger(sink: LogSink(capturingAt: .error)))
        server.start()
        defer { server.shutdown() }
        func tools(_ s: State) async throws -> [String: String] {
            MCPServer.fingerprint(s.names.map { MCPTool(name: $0, description: "tool \($0)", inputSchema: s.schema) { _ in MCPToolResult(text: "") } })
        }
        func eventually(_ condition: () -> Bool) async throws -> Bool {
            let deadline = Date().addingTimeInterval(20)
            while !condition() {
                if Date() > deadline { return false }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            return true
        }

        // Two quick changes: the last list is the one announced, and it stays after the slow first look ends.
        state.withLock { $0.names = ["a"] }
        server.servicesChanged()
        _ = try await eventually { state.withLock { $0.looks } >= 1 }
        state.withLock { $0.names = ["a", "b"] }
        server.servicesChanged()
        let final = try await tools(state.withLock { $0 })
        #expect(try await eventually { server.announcedTools == final })
        try await Task.sleep(nanoseconds: 700_000_000)
        #expect(server.announcedTools == final, "an older list was announced after the newer one")

        // A listening client hears of a schema-only change (same names), and of nothing when nothing changed.
        let session = try server.sessions.create(.streamableHTTP, owner: nil)
        session.markInitialized()
        let stream = session.openStream()
        state.withLock { $0.schema = ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]] }
        server.servicesChanged()
        let changed = try await tools(state.withLock { $0 })
        #expect(try await eventually { server.announcedTools == changed })
        let looked = state.withLock { $0.looks }
        server.servicesChanged()
        #expect(try await eventually { state.withLock { $0.looks } > looked })
        try await Task.sleep(nanoseconds: 100_000_000)  // that look's broadcast (there should be none) is done
        session.close()
        var got: [MCPOutbound] = []
        for await item in stream { got.append(item) }
        #expect(got == [.message(JSONRPC.notification("notifications/tools/list_changed").text)])
    }

    @Test func everyRouteOfTheAppIsAddedOnceAndTheLTMStatusComesFromThePiecesAPI() async throws {
        // Building the app installs every route; the router stops on a duplicate, and this says which.
        let home = try TestPaths.temporaryDirectory("mcp-routes")
        var options = ServeOptions(home: home)
        options.databaseURL = TestDatabase.address(home: home)
        let ready = options
        let app = try await offPool { try Application(options: ready, logger: Logger(sink: LogSink(capturingAt: .error)),
                                  environment: [:], listen: false) }
        var seen = Set<String>()
        let twice = app.routes.map { r in
            r.method + " /" + r.pattern.split(separator: "/").map { $0.hasPrefix(":") ? ":" : String($0) }.joined(separator: "/")
        }.filter { !seen.insert($0).inserted }
        #expect(twice.isEmpty, "routes added twice: \(twice)")
        #expect(app.routes.filter { $0.method == "GET" && $0.pattern == "/workstream_pattern_engine/processors/vision/status" }.count == 1)
        #expect(app.routes.count > 100)
    }

    @Test func toolCallsAreTimeLimitedAndNeedTheWriteScope() async throws {
        let slow = MCPTool(name: "slow", description: "sleeps", inputSchema: ["type": "object"]) { _ in
            try await Task.sleep(nanoseconds: 120_000_000_000)
            return MCPToolResult(text: "late")
        }
        let fails = MCPTool(name: "fails", description: "throws", inputSchema: ["type": "object"]) { _ in throw CancellationError() }
        let logger = Logger(sink: LogSink(capturingAt: .error))
        let server = MCPServer(catalogue: ToolCatalogue(fixed: [slow, fails], dynamic: { [] }), logger: logger, callSeconds: 0.2)
        let session = try server.sessions.create(.streamableHTTP, owner: nil)
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

    @Test func toolCallsReadTheCatalogueOncePerServiceChange() async throws {
        // The dynamic tools stand for the running services; each look counts as one read of every service row.
        let state = Locked((names: ["a"], looks: 0))
        let catalogue = ToolCatalogue(fixed: [], dynamic: {
            let names = state.withLock { s -> [String] in s.looks += 1; return s.names }
            return names.map { n in MCPTool(name: n, description: n, inputSchema: ["type": "object"]) { _ in MCPToolResult(text: n) } }
        })
        let server = MCPServer(catalogue: catalogue, logger: Logger(sink: LogSink(capturingAt: .error)))
        let session = try server.sessions.create(.streamableHTTP, owner: nil)
        let req = Request(method: "POST", target: "/mcp")
        func call(_ name: String, _ id: Int) async -> JSONValue? {
            await server.handle(.request(id: JSONValue(id), method: "tools/call", params: ["name": .string(name)]), session: session, request: req)
        }
        for i in 1...5 { #expect(await call("a", i)?["result"]?["content"]?[0]?["text"] == "a") }
        #expect(state.withLock { $0.looks } == 1, "five calls, one read")

        // A service stops: the change is known at once, and the next call reads afresh and no longer finds it.
        state.withLock { $0.names = ["b"] }
        server.servicesChanged()
        #expect(await call("a", 6)?["error"]?["code"] == -32602)
        #expect(await call("b", 7)?["result"]?["content"]?[0]?["text"] == "b")
        #expect(await call("b", 8)?["result"]?["content"]?[0]?["text"] == "b")
        #expect(state.withLock { $0.looks } == 2, "one read after the change, then the snapshot")
    }

    @Test func notificationsWaitForTheStreamAndReachOnlyInitializedSessions() async throws {
        let sessions = MCPSessions()
        let s = try sessions.create(.streamableHTTP, owner: nil)
        let quiet = try sessions.create(.streamableHTTP, owner: nil)
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
