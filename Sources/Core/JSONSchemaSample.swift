extension JSONSchema {
    /// A value that satisfies `schema` (for the subset of JSON Schema the platform validates): what an agent's test
    /// run sends an endpoint when it was given no requests. Every property is filled, so optional fields are exercised.
    public static func sample(_ schema: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 6 else { return .null }
        if let constant = schema["const"] { return constant }
        if let first = schema["enum"]?.array?.first { return first }
        if let example = schema["examples"]?.array?.first ?? schema["default"] { return example }
        if let options = (schema["anyOf"] ?? schema["oneOf"])?.array, let first = options.first { return sample(first, depth: depth + 1) }
        let type = schema["type"]?.string ?? schema["type"]?.array?.compactMap(\.string).first { $0 != "null" }
            ?? (schema["properties"] != nil ? "object" : "string")
        switch type {
        case "object":
            var o: [String: JSONValue] = [:]
            for (name, sub) in schema["properties"]?.object ?? [:] { o[name] = sample(sub, depth: depth + 1) }
            return .object(o)
        case "array":
            let count = max(1, schema["minItems"]?.int ?? 1)
            return .array(Array(repeating: sample(schema["items"] ?? [:], depth: depth + 1), count: min(count, 3)))
        case "integer":
            return JSONValue(max(schema["minimum"]?.int ?? 1, schema["exclusiveMinimum"]?.int.map { $0 + 1 } ?? 1))
        case "number":
            return .number(max(schema["minimum"]?.double ?? 1.5, (schema["exclusiveMinimum"]?.double ?? 0) + 0.5))
        case "boolean":
            return .bool(true)
        case "null":
            return .null
        default:
            return .string(sampleString(schema))
        }
    }

    static func sampleString(_ schema: JSONValue) -> String {
        var s: String
        switch schema["format"]?.string {
        case "uri", "url": s = "https://example.com/a/long/path?from=test"
        case "email": s = "test@example.com"
        case "date-time": s = "2026-01-02T03:04:05Z"
        case "date": s = "2026-01-02"
        case "uuid": s = "123e4567-e89b-42d3-a456-426614174000"
        default: s = "test"
        }
        let minLength = schema["minLength"]?.int ?? 0
        while s.count < minLength { s += "x" }
        if let max = schema["maxLength"]?.int, s.count > max { s = String(s.prefix(max)) }
        return s
    }
}
