import Core

/// The tools as last read, by name, so `tools/call` finds its tool without reading every service (and its endpoints)
/// from SQLite. It holds until the running services change (`invalidate`, from `MCPServer.servicesChanged`); a read
/// that began before a change is not kept, so once a service is known to have stopped no call finds its tools.
final class ToolSnapshot: Sendable {
    private struct State {
        /// Counts invalidations: a read keeps its result only if none happened meanwhile.
        var generation = 0
        var byName: [String: MCPTool]?
    }

    let catalogue: ToolCatalogue
    private let state = Locked(State())

    init(_ catalogue: ToolCatalogue) { self.catalogue = catalogue }

    func invalidate() { state.withLock { $0.generation += 1; $0.byName = nil } }

    /// Every tool, read afresh (tools/list, change announcements); the snapshot keeps it.
    func all() async throws -> [MCPTool] {
        let generation = state.withLock { $0.generation }
        let tools = try await catalogue.all()
        state.withLock { s in
            // The fixed tools come first and win a name clash.
            if s.generation == generation { s.byName = Dictionary(tools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }) }
        }
        return tools
    }

    /// The tool called `name`: from the snapshot while it is current; a name it lacks is read afresh once (a tool
    /// source that announces no changes, or a name the caller guessed).
    func find(_ name: String) async throws -> MCPTool? {
        if let tool = state.withLock({ $0.byName?[name] }) { return tool }
        return try await all().first { $0.name == name }
    }
}
