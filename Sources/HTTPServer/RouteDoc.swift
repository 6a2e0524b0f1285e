import Core

/// What a route tells its callers. `/api/v1/openapi.json` is generated from these, and a declared request body is
/// validated before the handler runs: the schema a client reads is the one the server enforces.
public struct RouteDoc: Sendable {
    public var summary: String
    /// The OpenAPI tag: the area of the API (Services, Runs…).
    public var tag: String
    public var description: String?
    /// Descriptions of the pattern's `:name` parameters.
    public var parameters: [String: String]
    public var query: [QueryParameter]
    public var body: RequestBody?
    /// The answers besides the errors every route shares (400 for a bad body, 401/403, 404 with path parameters).
    public var responses: [ResponseDoc]

    public init(_ summary: String, tag: String, description: String? = nil, parameters: [String: String] = [:],
                query: [QueryParameter] = [], body: RequestBody? = nil, responses: [ResponseDoc]) {
        self.summary = summary
        self.tag = tag
        self.description = description
        self.parameters = parameters
        self.query = query
        self.body = body
        self.responses = responses
    }

    /// Refuses a body that does not match `body` (400 `invalid_json` / `invalid_body`, naming the field).
    public func check(_ req: Request) throws {
        guard let spec = body else { return }
        if req.body.isEmpty {
            guard spec.required else { return }
            throw HTTPError(400, code: "invalid_body", message: "This call needs a JSON body. See its schema in GET /api/v1/openapi.json.")
        }
        guard let value = JSONValue.parse(req.body) else {
            throw HTTPError(400, code: "invalid_json", message: "The body is not valid JSON. Send a JSON object; see GET /api/v1/openapi.json.")
        }
        let errors = JSONSchema.validate(value, against: spec.schema, at: "body")
        guard errors.isEmpty else {
            throw HTTPError(400, code: "invalid_body",
                            message: errors.prefix(5).joined(separator: "; ") + ". See the schema in GET /api/v1/openapi.json.")
        }
    }
}

public struct QueryParameter: Sendable {
    public var name: String
    public var description: String
    public var schema: JSONValue
    public var required: Bool

    public init(_ name: String, _ description: String, _ schema: JSONValue = DocSchema.string(), required: Bool = false) {
        self.name = name
        self.description = description
        self.schema = schema
        self.required = required
    }
}

public struct RequestBody: Sendable {
    /// JSON Schema, within what `JSONSchema.validate` enforces (no `$ref`, `anyOf`…): documented = enforced.
    public var schema: JSONValue
    /// False: an empty body is accepted (and the handler applies its defaults).
    public var required: Bool

    public init(_ schema: JSONValue, required: Bool = true) {
        self.schema = schema
        self.required = required
    }
}

public struct ResponseDoc: Sendable {
    public var status: Int
    public var description: String
    public var schema: JSONValue?
    public var contentType: String

    public init(_ status: Int, _ description: String, _ schema: JSONValue? = nil, contentType: String = "application/json") {
        self.status = status
        self.description = description
        self.schema = schema
        self.contentType = contentType
    }

    /// 204, no body.
    public static func noContent(_ description: String) -> ResponseDoc { ResponseDoc(204, description, contentType: "") }
    /// A Server-Sent Events stream.
    public static func events(_ description: String) -> ResponseDoc { ResponseDoc(200, description, DocSchema.string(), contentType: "text/event-stream") }
}

/// Short constructors for the JSON Schemas of route documentation.
public enum DocSchema {
    public static func object(_ properties: [String: JSONValue] = [:], required: [String] = [], description: String? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["type": "object"]
        if !properties.isEmpty { o["properties"] = .object(properties) }
        if !required.isEmpty { o["required"] = .array(required.map { .string($0) }) }
        if let description { o["description"] = .string(description) }
        return .object(o)
    }

    public static func string(_ description: String? = nil, minLength: Int? = nil, maxLength: Int? = nil, oneOf values: [String]? = nil,
                              format: String? = nil, nullable: Bool = false) -> JSONValue {
        var o: [String: JSONValue] = ["type": nullable ? ["string", "null"] : "string"]
        if let description { o["description"] = .string(description) }
        if let minLength { o["minLength"] = JSONValue(minLength) }
        if let maxLength { o["maxLength"] = JSONValue(maxLength) }
        if let values { o["enum"] = .array(values.map { .string($0) } + (nullable ? [.null] : [])) }
        if let format { o["format"] = .string(format) }
        return .object(o)
    }

    public static func integer(_ description: String? = nil, minimum: Int? = nil, maximum: Int? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["type": "integer"]
        if let description { o["description"] = .string(description) }
        if let minimum { o["minimum"] = JSONValue(minimum) }
        if let maximum { o["maximum"] = JSONValue(maximum) }
        return .object(o)
    }

    public static func number(_ description: String? = nil, minimum: Double? = nil, maximum: Double? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["type": "number"]
        if let description { o["description"] = .string(description) }
        if let minimum { o["minimum"] = .number(minimum) }
        if let maximum { o["maximum"] = .number(maximum) }
        return .object(o)
    }

    public static func boolean(_ description: String? = nil) -> JSONValue {
        description.map { ["type": "boolean", "description": .string($0)] } ?? ["type": "boolean"]
    }

    public static func array(_ items: JSONValue, description: String? = nil, minItems: Int? = nil, maxItems: Int? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["type": "array", "items": items]
        if let description { o["description"] = .string(description) }
        if let minItems { o["minItems"] = JSONValue(minItems) }
        if let maxItems { o["maxItems"] = JSONValue(maxItems) }
        return .object(o)
    }

    /// Any JSON value (an unconstrained schema).
    public static func any(_ description: String) -> JSONValue { ["description": .string(description)] }

    /// `{"<key>": [items]}`: the list answers of the API.
    public static func list(_ key: String, _ items: JSONValue) -> JSONValue { object([key: array(items)], required: [key]) }
}
