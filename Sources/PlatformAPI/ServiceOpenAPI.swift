import Core
import HTTPServer
import Services

/// A service's own API as OpenAPI 3.1, from its endpoints (its manifest's, and any registered through the API):
/// the input schema is the request body (query parameters for GET and DELETE, as the platform's calls send it),
/// the output schema the 200 answer, and its public URLs the servers.
public enum ServiceOpenAPI {
    public static func document(_ s: ServiceRecord, endpoints: [EndpointRecord], urls: ServiceURLs) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        var used: Set<String> = []
        for e in endpoints {
            var id = OpenAPI.operationID(e.method, e.path, dropping: "")
            while used.contains(id) { id += "_" }
            used.insert(id)
            paths[OpenAPI.path(e.path), default: [:]][e.method.lowercased()] = operation(e, id: id)
        }
        let trim: (String) -> String = { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        var servers: [JSONValue] = [["url": .string(trim(urls.url(s.slug))), "description": "The service's own origin."]]
        if urls.pathURL(s.slug) != urls.url(s.slug) {
            servers.append(["url": .string(trim(urls.pathURL(s.slug))), "description": "The path form on the platform's origin (any HTTP client resolves it)."])
        }
        return [
            "openapi": .string(OpenAPI.version),
            "info": ["title": .string(s.title.isEmpty ? s.slug : s.title), "version": .string(String(s.currentVersion)),
                     "description": .string(s.description.isEmpty ? "The \(s.kind) service '\(s.slug)' on OpenPieces." : s.description)],
            "servers": .array(servers),
            "paths": .object(paths.mapValues { .object($0) }),
        ]
    }

    static func operation(_ e: EndpointRecord, id: String) -> JSONValue {
        let names = OpenAPI.parameterNames(e.path)
        let properties = e.inputSchema?["properties"]?.object ?? [:]
        let required = Set(e.inputSchema?["required"]?.array?.compactMap(\.string) ?? [])
        var parameters: [JSONValue] = names.map { name in
            ["name": .string(name), "in": "path", "required": true, "schema": properties[name] ?? DocSchema.string()]
        }
        var op: [String: JSONValue] = ["operationId": .string(id), "summary": .string(e.description.isEmpty ? "\(e.method) \(e.path)" : e.description)]
        if let input = e.inputSchema {
            let rest = properties.filter { !names.contains($0.key) }
            if e.method == "GET" || e.method == "DELETE" {
                parameters += rest.keys.sorted().map { name in
                    ["name": .string(name), "in": "query", "required": .bool(required.contains(name)), "schema": rest[name]!]
                }
            } else {
                // The body is the input less the path parameters.
                var body = input.object ?? [:]
                if !names.isEmpty {
                    body["properties"] = .object(rest)
                    let left = required.subtracting(names).sorted()
                    body["required"] = left.isEmpty ? nil : .array(left.map { .string($0) })
                }
                op["requestBody"] = ["required": .bool(!required.subtracting(names).isEmpty),
                                     "content": ["application/json": ["schema": .object(body)]]]
            }
        }
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        var ok: [String: JSONValue] = ["description": "A successful answer."]
        if let output = e.outputSchema { ok["content"] = ["application/json": ["schema": output]] }
        op["responses"] = ["200": .object(ok)]
        return .object(op)
    }
}
