import Core
import Crypto
import Foundation
import HTTPServer

/// Who may do what over MCP, decided by the auth policy: past the gate (which asked for `read`), a tool call also
/// needs `write`; a session stays with the credential that opened it.
public struct MCPAccess: Sendable {
    public let canCallTools: @Sendable (Request) -> Bool
    public let identity: @Sendable (Request) -> String?

    public init(canCallTools: @escaping @Sendable (Request) -> Bool, identity: @escaping @Sendable (Request) -> String?) {
        self.canCallTools = canCallTools
        self.identity = identity
    }

    public static let open = MCPAccess(canCallTools: { _ in true }, identity: { _ in nil })
}

/// The protocol itself, shared by both transports: initialize, ping, tools/list, tools/call.
public final class MCPServer: Sendable {
    /// Newest first; a client asking for another gets the newest.
    public static let versions = ["2025-06-18", "2025-03-26", "2024-11-05"]
    public static let pageSize = 100

    public let sessions: MCPSessions
    /// The catalogue, read once per change of the running services for calls (`tools/list` always reads afresh).
    let tools: ToolSnapshot
    let access: MCPAccess
    let logger: Logger
    /// The most a tool call may take before it is answered as failed.
    let callSeconds: Double
    /// The largest POST body accepted.
    public let maxBodyBytes: Int
    /// Each tool last announced, by name, with a digest of how it is listed (schema, description…): a redeploy that
    /// keeps the names but changes a schema is a change too.
    private let announced = Locked<[String: String]?>(nil)
    /// Service changes, handled one at a time and in order by the task `start` makes; each reads the tool list as it
    /// is then. Changes arriving meanwhile fold into one more look (the newest is all that matters).
    private let changes = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    private let watcher = Locked<Task<Void, Never>?>(nil)

    public init(catalogue: ToolCatalogue, sessions: MCPSessions = MCPSessions(), access: MCPAccess = .open, logger: Logger,
                callSeconds: Double = 60, maxBodyBytes: Int = 1024 * 1024) {
        self.tools = ToolSnapshot(catalogue)
        self.sessions = sessions
        self.access = access
        self.logger = logger
        self.callSeconds = callSeconds
        self.maxBodyBytes = maxBodyBytes
    }

    static func negotiate(_ requested: String?) -> String {
        if let requested, versions.contains(requested) { return requested }
        return versions[0]
    }

    /// Answers one message; nil for notifications and client responses. `session` is the one the message arrived on.
    public func handle(_ message: JSONRPC.Incoming, session: MCPSession, request: Request) async -> JSONValue? {
        session.touch()
        switch message {
        case .invalid(let id, let reason):
            return JSONRPC.error(id: id, JSONRPC.Failure(JSONRPC.invalidRequest, "Invalid Request: \(reason)."))
        case .response:
            return nil
        case .notification(let method, _):
            if method == "notifications/initialized" { session.markInitialized() }
            return nil  // other notifications (cancelled, progress…) need nothing from us
        case .request(let id, let method, let params):
            do {
                return JSONRPC.result(id: id, try await answer(method, params, session: session, request: request))
            } catch let f as JSONRPC.Failure {
                return JSONRPC.error(id: id, f)
            } catch {
                logger.error("mcp.failed", ["method": method, "error": "\(error)"])
                return JSONRPC.error(id: id, JSONRPC.Failure(JSONRPC.internalError, "Internal error: \(error)"))
            }
        }
    }

    func answer(_ method: String, _ params: JSONValue?, session: MCPSession, request: Request) async throws -> JSONValue {
        switch method {
        case "initialize":
            let version = MCPServer.negotiate(params?["protocolVersion"]?.string)
            session.agreed(version)
            return [
                "protocolVersion": .string(version),
                "capabilities": ["tools": ["listChanged": true]],
                "serverInfo": ["name": "openpieces", "title": "OpenPieces", "version": .string(ProductVersion.current)],
                "instructions": "OpenPieces: ask_pieces_ltm searches the user's saved snippets, conversations and Brain; create_pieces_memory saves to them. Every other tool calls an endpoint of a service running on this OpenPieces server; the list changes as services start and stop.",
            ]
        case "ping":
            return .object([:])
        case "tools/list":
            let all = try await tools.all()
            var start = 0
            if let cursor = params?["cursor"] {
                guard let c = cursor.string, let n = Int(c), n >= 0, n <= all.count else {
                    throw JSONRPC.Failure(JSONRPC.invalidParams, "Invalid params: unknown cursor. Use the nextCursor of the previous page, or none for the first.")
                }
                start = n
            }
            let page = all[start..<min(all.count, start + MCPServer.pageSize)]
            var o: [String: JSONValue] = ["tools": .array(page.map(\.listing))]
            if start + MCPServer.pageSize < all.count { o["nextCursor"] = .string(String(start + MCPServer.pageSize)) }
            return .object(o)
        case "tools/call":
            guard let name = params?["name"]?.string else {
                throw JSONRPC.Failure(JSONRPC.invalidParams, "Invalid params: tools/call needs \"name\", a tool from tools/list.")
            }
            let arguments = params?["arguments"] ?? .object([:])
            guard arguments.object != nil else { throw JSONRPC.Failure(JSONRPC.invalidParams, "Invalid params: \"arguments\" must be an object.") }
            guard access.canCallTools(request) else {
                throw JSONRPC.Failure(JSONRPC.forbidden, "Calling a tool needs an API key with the 'write' scope; this one may only list tools. Create a key with that scope.")
            }
            guard let tool = try await tools.find(name) else {
                throw JSONRPC.Failure(JSONRPC.invalidParams, "Unknown tool: '\(name)'. List the tools with tools/list (a service's tools go away when it stops).")
            }
            let started = Date()
            let seconds = callSeconds
            let result: MCPToolResult
            do {
                result = try await withTimeLimit(seconds) { try await tool.run(arguments) }
                    ?? MCPToolResult(text: "The tool '\(name)' did not finish within \(Int(seconds)) s and was stopped.", isError: true)
            } catch {
                result = MCPToolResult(text: "The tool '\(name)' failed: \(error)", isError: true)
            }
            logger.info("mcp.tool_called", ["tool": name, "error": result.isError ? "1" : "0", "ms": "\(Int(Date().timeIntervalSince(started) * 1000))",
                                            "transport": session.transport.rawValue])
            return result.json
        default:
            throw JSONRPC.Failure(JSONRPC.methodNotFound, "Method not found: '\(method)'. This server offers initialize, ping, tools/list and tools/call.")
        }
    }

    /// Starts following service changes (see `servicesChanged`); `shutdown` stops it.
    public func start() {
        let stream = changes.stream
        watcher.withLock { task in
            guard task == nil else { return }
            task = Task { [weak self] in
                for await _ in stream { await self?.announceIfChanged() }
            }
        }
    }

    /// The running services changed: clients are told once the tool list is looked at, if it did change. Quick and
    /// non-blocking, for `LiveServices.onChange`.
    public func servicesChanged() {
        tools.invalidate()
        changes.continuation.yield()
    }

    /// Compares the tool list with the last one announced, and notifies every listening session when it differs.
    func announceIfChanged() async {
        guard let all = try? await tools.all() else { return }
        let now = MCPServer.fingerprint(all)
        let changed = announced.withLock { last -> Bool in
            defer { last = now }
            return last != now
        }
        if changed { sessions.broadcast(JSONRPC.notification("notifications/tools/list_changed")) }
    }

    /// What was last announced (for tests).
    var announcedTools: [String: String]? { announced.withLock { $0 } }

    static func fingerprint(_ tools: [MCPTool]) -> [String: String] {
        var out: [String: String] = [:]
        for t in tools { out[t.name] = Hex.encode(Digest.sha256(t.listing.bytes)) }
        return out
    }

    /// Stops following changes and ends every session's stream, so a stopping server is not held open by listeners.
    public func shutdown() {
        changes.continuation.finish()
        watcher.withLock { $0 }?.cancel()
        sessions.closeAll()
    }
}
