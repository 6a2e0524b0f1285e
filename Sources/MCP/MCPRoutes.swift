import Core
import HTTPServer

/// Where MCP is served: streamable HTTP at `/mcp` (and at Pieces OS's 2025-03-26 path), the legacy SSE transport at
/// Pieces OS's 2024-11-05 paths, and Pieces OS's list of them (what pieces-cli reads to configure editors). The
/// long-term-memory status pieces-cli checks first is the Pieces API's (`PiecesAPI.installConnect`).
public enum MCPRoutes {
    public static let streamablePaths = ["/mcp", "/model_context_protocol/2025-03-26/mcp"]

    public static func install(_ r: inout Router, server: MCPServer) {
        StreamableHTTP(server: server).install(&r, paths: streamablePaths)
        SSETransport(server: server).install(&r)
        r.get("/model_context_protocol/schema_versions") { req in
            // Absolute URLs, as Pieces OS answers: on the name and port the client reached us by.
            let base = "http://\(req.headers["Host"] ?? "127.0.0.1")"
            return .jsonValue(["iterable": [
                ["version": .string(SSETransport.version), "entry_endpoint": .string(base + SSETransport.ssePath)],
                ["version": "2025-03-26", "entry_endpoint": .string(base + streamablePaths[1])],
                ["version": "2025-06-18", "entry_endpoint": .string(base + streamablePaths[0])],
            ]])
        }
    }
}
