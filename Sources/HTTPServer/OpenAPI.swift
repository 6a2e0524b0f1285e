import Core

/// OpenAPI 3.1 documents built from routes and their `RouteDoc`s (3.1: its schemas are JSON Schema, the dialect the
/// server validates bodies with, and security requirements may name the scope an operation needs).
public enum OpenAPI {
    public static let version = "3.1.0"

    /// A route pattern as an OpenAPI path: `/services/:id/*rest` → `/services/{id}/{rest}`.
    public static func path(_ pattern: String) -> String {
        "/" + pattern.split(separator: "/", omittingEmptySubsequences: true).map { s in
            s.hasPrefix(":") || s.hasPrefix("*") ? "{\(s.dropFirst())}" : String(s)
        }.joined(separator: "/")
    }

    /// The names of a pattern's parameters, in order.
    public static func parameterNames(_ pattern: String) -> [String] {
        pattern.split(separator: "/").compactMap { s in s.hasPrefix(":") || s.hasPrefix("*") ? String(s.dropFirst()) : nil }
    }

    /// `getServicesIdLogs` for `GET /api/v1/services/:id/logs`: unique per method and pattern.
    public static func operationID(_ method: String, _ pattern: String, dropping prefix: String) -> String {
        let rest = pattern.hasPrefix(prefix) ? String(pattern.dropFirst(prefix.count)) : pattern
        let words = rest.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return method.lowercased() + words.joined()
    }

    /// One operation. `security` is its requirement list (empty: public); `errors` the shared error answers it may give.
    public static func operation(_ method: String, _ pattern: String, _ doc: RouteDoc, operationID: String, security: [JSONValue]?,
                                 errors: [(Int, String)]) -> JSONValue {
        var op: [String: JSONValue] = ["summary": .string(doc.summary), "tags": [.string(doc.tag)], "operationId": .string(operationID)]
        if let d = doc.description { op["description"] = .string(d) }
        var parameters: [JSONValue] = parameterNames(pattern).map { name in
            ["name": .string(name), "in": "path", "required": true, "schema": DocSchema.string(minLength: 1),
             "description": .string(doc.parameters[name] ?? "The \(name).")]
        }
        parameters += doc.query.map { q in
            ["name": .string(q.name), "in": "query", "required": .bool(q.required), "schema": q.schema, "description": .string(q.description)]
        }
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        if let body = doc.body {
            op["requestBody"] = ["required": .bool(body.required), "content": ["application/json": ["schema": body.schema]]]
        }
        var responses: [String: JSONValue] = [:]
        for r in doc.responses {
            var o: [String: JSONValue] = ["description": .string(r.description)]
            if !r.contentType.isEmpty { o["content"] = .object([r.contentType: r.schema.map { ["schema": $0] } ?? [:]]) }
            responses[String(r.status)] = .object(o)
        }
        for (status, name) in errors where responses[String(status)] == nil {
            responses[String(status)] = ["$ref": .string("#/components/responses/\(name)")]
        }
        op["responses"] = .object(responses)
        if let security { op["security"] = .array(security) }
        return .object(op)
    }

    /// The error envelope every failure answers with.
    public static let errorSchema: JSONValue = DocSchema.object([
        "error": DocSchema.object(["code": DocSchema.string("A stable, machine-readable code."), "message": DocSchema.string("What went wrong and what to do next.")],
                               required: ["code", "message"]),
    ], required: ["error"])

    public static func errorResponse(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
    }
}
