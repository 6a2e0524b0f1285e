import Core
import Intent

/// JSON Schema values for the manifest, in the subset the platform validates (`Core/JSONSchema`).
enum Schema {
    static func object(_ properties: [String: JSONValue], required: [String] = [], closed: Bool = true) -> JSONValue {
        var o: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { o["required"] = .array(required.map { .string($0) }) }
        if closed { o["additionalProperties"] = false }
        return .object(o)
    }

    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer"]
    static let number: JSONValue = ["type": "number"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let anything: JSONValue = [:]

    static func text(max: Int) -> JSONValue { ["type": "string", "maxLength": JSONValue(max)] }

    /// A row id as a path parameter: a number, or the digits of a concrete path (`/tasks/7` gives "7").
    static let id: JSONValue = ["type": ["integer", "string"], "pattern": "^[0-9]{1,15}$", "minimum": 1]

    /// A field as sent and as stored; optional ones may be null.
    static func field(_ f: Field, nullable: Bool) -> JSONValue {
        var o: [String: JSONValue]
        switch f.type {
        case .text: o = ["type": "string", "maxLength": 10000]
        case .number: o = ["type": "number"]
        case .boolean: o = ["type": "boolean"]
        case .url: o = ["type": "string", "format": "uri", "maxLength": 10000, "pattern": "^https?://"]
        case .datetime: o = ["type": "string", "format": "date-time", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}"]
        }
        if nullable, let t = o["type"] { o["type"] = [t, "null"] }
        if let d = f.defaultValue { o["default"] = d.json }
        return .object(o)
    }

    static func list(_ key: String, of item: JSONValue) -> JSONValue {
        object([key: ["type": "array", "items": item, "maxItems": 1000], "count": integer], required: [key, "count"], closed: false)
    }
}

extension Value {
    var json: JSONValue {
        switch self {
        case .text(let s): .string(s)
        case .number(let n): .number(n)
        case .boolean(let b): .bool(b)
        }
    }
}
