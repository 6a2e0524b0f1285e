import Core
import PlatformAPI
import Services

/// One MCP tool per endpoint of every running action service. A call goes through `ServiceManager.call`, the same
/// validated call as the agents' `endpoints_call` and the API's `…/call` route.
public struct ServiceTools: Sendable {
    let manager: ServiceManager
    /// How long an endpoint may take to answer.
    let callSeconds: Double

    public init(manager: ServiceManager, callSeconds: Double = 30) {
        self.manager = manager
        self.callSeconds = callSeconds
    }

    /// Running means answering now, here or on another replica (the supervisor's live table), so the list matches `notifications/tools/list_changed`.
    public func tools() async throws -> [MCPTool] {
        let live = manager.supervisor.live
        let store = manager.store
        let rows = try await store.reading { () throws -> [(ServiceRecord, [EndpointRecord])] in
            try store.all().filter { $0.kind == "action" && $0.status != .archived && live.answers($0.slug) }
                .sorted { $0.slug < $1.slug }
                .map { ($0, try store.endpoints($0.id)) }
        }
        var out: [MCPTool] = []
        for (service, endpoints) in rows {
            let names = ToolNames.names(slug: service.slug, endpoints: endpoints.map { ($0.method, $0.path) })
            for (e, name) in zip(endpoints, names) { out.append(tool(service, e, name: name)) }
        }
        return out
    }

    func tool(_ s: ServiceRecord, _ e: EndpointRecord, name: String) -> MCPTool {
        let (schema, wrapped) = ServiceTools.schema(e)
        let about = e.description.isEmpty ? "\(e.method) \(e.path)" : e.description
        let description = "\(about) (\(e.method) \(e.path) on the '\(s.slug)' service\(s.title.isEmpty || s.title == s.slug ? "" : ": \(s.title)"))"
        let manager = self.manager, seconds = callSeconds
        let slug = s.slug, reference = "\(e.method) \(e.path)"
        return MCPTool(name: name, title: "\(s.title.isEmpty ? s.slug : s.title): \(e.method) \(e.path)", description: String(description.prefix(1000)),
                       inputSchema: schema, readOnly: e.method == "GET") { arguments in
            let input = wrapped ? (arguments["input"] ?? .object([:])) : arguments
            do {
                let answer = try await manager.call(service: slug, endpoint: reference, input: input, timeout: seconds)
                let ok = (200..<300).contains(answer.status)
                return MCPToolResult(text: answer.json.text, structured: answer.json, isError: !ok)
            } catch let f as ServiceManager.Failure {
                return MCPToolResult(text: "\(f.code) (\(f.status)): \(f.description)",
                                     structured: ["error": ["status": JSONValue(f.status), "code": .string(f.code), "message": .string(f.description)]],
                                     isError: true)
            }
        }
    }

    /// The endpoint's input schema as an MCP tool's: an object schema as it is (with path parameters added when it
    /// omits them), no schema as the path parameters alone, anything else wrapped as `{"input": …}`.
    static func schema(_ e: EndpointRecord) -> (JSONValue, wrapped: Bool) {
        let params = e.path.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
        guard let given = e.inputSchema else {
            var props: [String: JSONValue] = [:]
            for p in params { props[p] = ["type": "string", "description": .string("path parameter :\(p)")] }
            var o: [String: JSONValue] = ["type": "object", "properties": .object(props)]
            if !params.isEmpty { o["required"] = .array(params.map { .string($0) }) }
            return (.object(o), false)
        }
        guard var o = given.object, given["type"]?.string == "object" || (given["type"] == nil && given["properties"] != nil) else {
            return (["type": "object", "properties": ["input": given], "required": ["input"]], true)
        }
        o["type"] = "object"
        var props = o["properties"]?.object ?? [:]
        var required = (o["required"]?.array ?? []).compactMap(\.string)
        for p in params where props[p] == nil {
            props[p] = ["type": "string", "description": .string("path parameter :\(p)")]
            if !required.contains(p) { required.append(p) }
        }
        o["properties"] = .object(props)
        if !required.isEmpty { o["required"] = .array(required.map { .string($0) }) }
        return (.object(o), false)
    }
}
