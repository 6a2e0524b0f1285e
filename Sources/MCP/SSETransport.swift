import Core
import Foundation
import HTTPServer

/// MCP's HTTP+SSE transport of 2024-11-05, at Pieces OS's paths: GET `…/sse` opens the stream and names, in its
/// first `endpoint` event, the URL to POST messages to (with the session id); every answer comes back over the
/// stream, and the POST itself is answered 202. The session lives as long as the stream.
public struct SSETransport: Sendable {
    let server: MCPServer
    public static let version = "2024-11-05"
    public static let ssePath = "/model_context_protocol/2024-11-05/sse"
    public static let messagesPath = "/model_context_protocol/2024-11-05/messages"
    /// Messages of one session answered at once, at most.
    static let maxInflight = 16

    public init(server: MCPServer) { self.server = server }

    public func install(_ r: inout Router) {
        r.get(SSETransport.ssePath) { req in try open(req) }
        r.post(SSETransport.messagesPath) { req in try await post(req) }
    }

    func open(_ req: Request) throws -> Response {
        let session = try server.sessions.create(.sse, owner: server.access.identity(req))
        let sessions = server.sessions
        let endpoint = "\(SSETransport.messagesPath)?session_id=\(session.id)"
        var response = StreamableHTTP.sse(session, headers: [], first: ("endpoint", endpoint))
        // The stream ending (client gone) ends the session.
        if case .stream(let length, let body) = response.body {
            response.body = .stream(length: length) { w in
                defer { sessions.remove(session.id) }
                try await body(w)
            }
        }
        return response
    }

    func post(_ req: Request) async throws -> Response {
        let id = req.query["session_id"] ?? req.query["sessionId"] ?? ""
        guard !id.isEmpty else {
            throw HTTPError(400, code: "missing_session", message: "Add ?session_id=… : the URL of the endpoint event that GET \(SSETransport.ssePath) sent first.")
        }
        guard let session = server.sessions.get(id, owner: server.access.identity(req)), session.transport == .sse else {
            throw HTTPError(404, code: "unknown_session", message: "No MCP session '\(String(id.prefix(80)))': its stream closed. Open GET \(SSETransport.ssePath) again.")
        }
        guard req.body.count <= server.maxBodyBytes else {
            return StreamableHTTP.jsonRPCError(413, JSONRPC.Failure(JSONRPC.invalidRequest, "Invalid Request: the body is over \(server.maxBodyBytes) bytes."))
        }
        let messages: [JSONRPC.Incoming]
        do { messages = try JSONRPC.parse(req.body).messages } catch let f as JSONRPC.Failure {
            return StreamableHTTP.jsonRPCError(400, f)
        }
        // Answered over the stream; the POST returns at once, so a slow tool does not hold up the client's next message.
        guard session.begin(limit: SSETransport.maxInflight) else {
            throw HTTPError(429, code: "too_many_requests", message: "\(SSETransport.maxInflight) messages of this session are still being answered; wait for their answers.")
        }
        let server = self.server
        Task {
            defer { session.finish() }
            for m in messages {
                if let answer = await server.handle(m, session: session, request: req) { session.send(answer) }
            }
        }
        return Response.text("Accepted", status: 202)
    }
}
