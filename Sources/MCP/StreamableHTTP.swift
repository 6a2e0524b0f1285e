import Core
import Foundation
import HTTPServer

/// MCP's streamable HTTP transport (2025-03-26 and later) at `/mcp`: POST carries JSON-RPC messages and gets the
/// answers as JSON or as an SSE stream (as the client's Accept prefers), GET opens the server→client stream for
/// notifications, DELETE ends the session. `Mcp-Session-Id` is issued by `initialize` and required after it.
public struct StreamableHTTP: Sendable {
    let server: MCPServer
    static let sessionHeader = "Mcp-Session-Id"
    static let versionHeader = "MCP-Protocol-Version"
    /// How often an idle stream carries a comment, so a client that went away is noticed.
    static let keepaliveSeconds: Double = 15

    public init(server: MCPServer) { self.server = server }

    public func install(_ r: inout Router, paths: [String]) {
        for path in paths {
            r.post(path) { req in await post(req) }
            r.get(path) { req in try stream(req) }
            r.delete(path) { req in try end(req) }
        }
    }

    static func jsonRPCError(_ status: Int, _ f: JSONRPC.Failure, id: JSONValue = .null) -> Response {
        Response.jsonValue(JSONRPC.error(id: id, f), status: status)
    }

    /// The session a request names, or the HTTP answer that says why it cannot go on.
    func session(_ req: Request) -> Result<MCPSession, HTTPError> {
        guard let id = req.headers[StreamableHTTP.sessionHeader], !id.isEmpty else {
            return .failure(HTTPError(400, code: "missing_session",
                                      message: "Send the Mcp-Session-Id header that initialize answered with (start with an initialize request)."))
        }
        guard let s = server.sessions.get(id, owner: server.access.identity(req)), s.transport == .streamableHTTP else {
            return .failure(HTTPError(404, code: "unknown_session", message: "No MCP session '\(String(id.prefix(80)))': it ended or expired. Send initialize again."))
        }
        return .success(s)
    }

    /// A version header naming a version we do not speak is refused (the spec's 400).
    func versionProblem(_ req: Request) -> Response? {
        guard let v = req.headers[StreamableHTTP.versionHeader], !MCPServer.versions.contains(v) else { return nil }
        return StreamableHTTP.jsonRPCError(400, JSONRPC.Failure(JSONRPC.invalidRequest,
            "Unsupported MCP-Protocol-Version '\(String(v.prefix(40)))'. This server speaks \(MCPServer.versions.joined(separator: ", "))."))
    }

    /// SSE when the client accepts only that; JSON otherwise (both are allowed when it accepts both).
    static func wantsStream(_ req: Request) -> Bool {
        let accept = req.headers.values("Accept").joined(separator: ",").lowercased()
        return accept.contains("text/event-stream") && !accept.contains("application/json") && !accept.contains("*/*")
    }

    func post(_ req: Request) async -> Response {
        guard req.body.count <= server.maxBodyBytes else {
            return StreamableHTTP.jsonRPCError(413, JSONRPC.Failure(JSONRPC.invalidRequest, "Invalid Request: the body is over \(server.maxBodyBytes) bytes."))
        }
        if let bad = versionProblem(req) { return bad }
        let parsed: (messages: [JSONRPC.Incoming], batch: Bool)
        do { parsed = try JSONRPC.parse(req.body) } catch let f as JSONRPC.Failure {
            return StreamableHTTP.jsonRPCError(400, f)
        } catch { return StreamableHTTP.jsonRPCError(400, JSONRPC.Failure(JSONRPC.parseError, "Parse error.")) }
        let messages = parsed.messages
        let session: MCPSession
        var headers = HTTPHeaders()
        if messages.contains(where: { $0.method == "initialize" }) {
            guard messages.count == 1, case .request(let id, _, _) = messages[0] else {
                return StreamableHTTP.jsonRPCError(400, JSONRPC.Failure(JSONRPC.invalidRequest, "Invalid Request: initialize must be sent alone, as a request with an id."))
            }
            if let given = req.headers[StreamableHTTP.sessionHeader], server.sessions.get(given, owner: server.access.identity(req)) != nil {
                return StreamableHTTP.jsonRPCError(400, JSONRPC.Failure(JSONRPC.invalidRequest, "Invalid Request: this session is initialized already."), id: id)
            }
            do { session = try server.sessions.create(.streamableHTTP, owner: server.access.identity(req)) } catch { return .error(error) }
            headers.add(StreamableHTTP.sessionHeader, session.id)
        } else {
            switch self.session(req) {
            case .success(let s): session = s
            case .failure(let e): return .error(e)
            }
        }
        // Only notifications and responses: nothing to answer.
        guard messages.contains(where: { $0.isRequest || { if case .invalid = $0 { return true }; return false }($0) }) else {
            for m in messages { _ = await server.handle(m, session: session, request: req) }
            return Response(status: 202, headers: headers)
        }
        let server = self.server
        if StreamableHTTP.wantsStream(req) {
            headers.add("Content-Type", "text/event-stream")
            headers.add("Cache-Control", "no-store")
            return Response(status: 200, headers: headers, body: .stream(length: nil) { w in
                for m in messages {
                    if let answer = await server.handle(m, session: session, request: req) {
                        try await w.writeEvent(data: answer.text, event: "message")
                    }
                }
            })
        }
        var answers: [JSONValue] = []
        for m in messages {
            if let a = await server.handle(m, session: session, request: req) { answers.append(a) }
        }
        headers.add("Content-Type", "application/json")
        let body = parsed.batch ? JSONValue.array(answers) : answers[0]
        return Response(status: 200, headers: headers, body: .bytes(body.bytes))
    }

    /// GET: the session's server→client stream (tools/list_changed and other notifications).
    func stream(_ req: Request) throws -> Response {
        if let bad = versionProblem(req) { return bad }
        let accept = req.headers.values("Accept").joined(separator: ",").lowercased()
        guard accept.contains("text/event-stream") || accept.contains("*/*") else {
            throw HTTPError(406, code: "not_acceptable", message: "GET opens a text/event-stream; send Accept: text/event-stream.")
        }
        let session = try self.session(req).get()
        return StreamableHTTP.sse(session, headers: [])
    }

    /// Streams a session's outbox as SSE until the client goes away or the session ends.
    static func sse(_ session: MCPSession, headers: [(String, String)], first: (event: String, data: String)? = nil) -> Response {
        let outbox = session.openStream()
        var h = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")])
        for (k, v) in headers { h.add(k, v) }
        return Response(status: 200, headers: h, body: .stream(length: nil) { w in
            let keepalive = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(keepaliveSeconds * 1e9))
                    session.push(.keepalive)
                }
            }
            defer { keepalive.cancel() }
            if let first { try await w.writeEvent(data: first.data, event: first.event) } else { try await w.write(": stream open\n\n") }
            for await item in outbox {
                switch item {
                case .message(let text): try await w.writeEvent(data: text, event: "message")
                case .keepalive: try await w.write(": keepalive\n\n")
                }
                session.touch()
            }
        })
    }

    func end(_ req: Request) throws -> Response {
        let session = try self.session(req).get()
        server.sessions.remove(session.id)
        return Response(status: 204)
    }
}
