import Core

/// One piece of a generated service: the TypeScript it adds, the routes it registers, and how the manifest
/// describes them. A service is the prelude, the router, and the parts its spec asks for, in order.
struct Part {
    /// Top-level TypeScript: declarations and `route(...)` calls.
    var code: String
    var endpoints: [EndpointDoc] = []
    /// Uses `node:sqlite` (the import is emitted once, first).
    var usesSQLite = false
    var hosts: [String] = []
    var secrets: [String] = []
    /// A clause of the manifest's description.
    var summary: String
    /// A trigger service (receives events for a workflow) rather than an action.
    var trigger = false
}

/// An endpoint as the manifest declares it. `input` describes what a call sends (path parameters included, as the
/// platform merges them into the input it validates); `output` a successful answer (none for 204s and redirects).
struct EndpointDoc {
    var method: String
    var path: String
    var description: String
    var input: JSONValue?
    var output: JSONValue?

    var json: JSONValue {
        var o: [String: JSONValue] = ["method": .string(method), "path": .string(path), "description": .string(description)]
        if let input { o["inputSchema"] = input }
        if let output { o["outputSchema"] = output }
        return .object(o)
    }
}

/// The `route(...)` call that registers a handler, and the endpoint it documents, kept together so they cannot drift.
extension Part {
    mutating func route(_ method: String, _ path: String, _ handler: String, _ description: String,
                        input: JSONValue? = nil, output: JSONValue? = nil) {
        code += "route(\(JSONText.quote(method)), \(JSONText.quote(path)), \(handler));\n"
        endpoints.append(EndpointDoc(method: method, path: path, description: description, input: input, output: output))
    }
}
