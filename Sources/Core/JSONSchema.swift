import Foundation

/// Validates JSON against the practical core of JSON Schema: type, properties, required, additionalProperties,
/// items, enum, const, string/number/array bounds, pattern. Errors name the failing path.
public enum JSONSchema {
    public static func validate(_ value: JSONValue, against schema: JSONValue, at path: String = "input") -> [String] {
        var errors: [String] = []
        check(value, schema, path, &errors)
        return errors
    }

    private static func check(_ v: JSONValue, _ s: JSONValue, _ path: String, _ errors: inout [String]) {
        guard errors.count < 20, s.object != nil else { return }
        if let types = s["type"].flatMap({ $0.string.map { [$0] } ?? $0.array?.compactMap(\.string) }), !types.isEmpty {
            guard types.contains(where: { matches(v, $0) }) else {
                errors.append("\(path): must be \(types.joined(separator: " or ")), got \(kind(v))")
                return
            }
        }
        if let options = s["enum"]?.array, !options.contains(v) {
            errors.append("\(path): must be one of \(options.map(\.text).joined(separator: ", "))")
        }
        if let c = s["const"], c != v { errors.append("\(path): must be \(c.text)") }
        switch v {
        case .string(let str):
            let n = str.count
            if let min = s["minLength"]?.int, n < min { errors.append("\(path): must have at least \(min) characters") }
            if let max = s["maxLength"]?.int, n > max { errors.append("\(path): must have at most \(max) characters") }
            if let p = s["pattern"]?.string, let re = try? NSRegularExpression(pattern: p),
               re.firstMatch(in: str, range: NSRange(str.startIndex..., in: str)) == nil {
                errors.append("\(path): must match \(p)")
            }
        case .number(let x):
            if let min = s["minimum"]?.double, x < min { errors.append("\(path): must be ≥ \(min)") }
            if let max = s["maximum"]?.double, x > max { errors.append("\(path): must be ≤ \(max)") }
            if let min = s["exclusiveMinimum"]?.double, x <= min { errors.append("\(path): must be > \(min)") }
            if let max = s["exclusiveMaximum"]?.double, x >= max { errors.append("\(path): must be < \(max)") }
        case .array(let items):
            if let min = s["minItems"]?.int, items.count < min { errors.append("\(path): must have at least \(min) items") }
            if let max = s["maxItems"]?.int, items.count > max { errors.append("\(path): must have at most \(max) items") }
            if let itemSchema = s["items"], itemSchema.object != nil {
                for (i, item) in items.enumerated() { check(item, itemSchema, "\(path)[\(i)]", &errors) }
            }
        case .object(let o):
            for name in s["required"]?.array?.compactMap(\.string) ?? [] where o[name] == nil {
                errors.append("\(path).\(name): is required")
            }
            let props = s["properties"]?.object ?? [:]
            for (name, value) in o.sorted(by: { $0.key < $1.key }) {
                if let ps = props[name] {
                    check(value, ps, "\(path).\(name)", &errors)
                } else if s["additionalProperties"] == .bool(false) {
                    errors.append("\(path).\(name): is not allowed")
                } else if let extra = s["additionalProperties"], extra.object != nil {
                    check(value, extra, "\(path).\(name)", &errors)
                }
            }
        default:
            break
        }
    }

    private static func matches(_ v: JSONValue, _ type: String) -> Bool {
        switch (type, v) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number): true
        case ("integer", .number(let n)): n.rounded() == n
        default: false
        }
    }

    private static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
