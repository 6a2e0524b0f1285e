import Core
import Foundation

/// The catalogue form of a workflow step: what the offline engine can execute without a model. A model reads the
/// same sentences as plain instructions, so one workflow file works both ways.
///
///     Call <service> <METHOD> <path>                       (no input)
///     Call <service> <METHOD> <path> with the payload      (the event's payload, or a task's input)
///     Call <service> <METHOD> <path> with fields a, b      (those fields of the payload)
///     Call <service> <METHOD> <path> with {"text": "{{event}}: {{payload.title}}"}
///     Remember <text>                                      (a history entry in the Brain)
///     Report <text>                                        (the run's summary)
///     If {{payload.total}} > 100, <any step above>         (skipped, and recorded so, when it does not hold)
///
/// `{{path}}` placeholders read the run's context (`event`, `payload`, `input`, `task`, `scheduledFor`, `now`, `run`,
/// `steps.N.output…` for the N-th step's answer); `{{a|b}}` takes the first that is present.
public enum StepForm: Equatable, Sendable {
    public enum Input: Equatable, Sendable {
        case none
        case payload
        case fields([String])
        case template(JSONValue)
    }

    case call(service: String, method: String, path: String, input: Input)
    case remember(String)
    case report(String)
    /// A step that runs only when its condition holds in the run's context.
    indirect case conditional(StepCondition, StepForm)
    case unsupported(String)

    public static func parse(_ step: String) -> StepForm {
        let text = step.trimmingCharacters(in: .whitespacesAndNewlines)
        if let (condition, rest) = StepCondition.split(text) {
            let inner = parse(rest)
            if case .unsupported = inner { return .unsupported(text) }
            return .conditional(condition, inner)
        }
        let lower = text.lowercased()
        for verb in ["remember", "report"] where lower.hasPrefix(verb + " ") || lower.hasPrefix(verb + ":") {
            let rest = String(text.dropFirst(verb.count)).trimmingCharacters(in: CharacterSet(charactersIn: ": ").union(.whitespaces))
            return verb == "remember" ? .remember(unquote(rest)) : .report(unquote(rest))
        }
        return parseCall(text) ?? .unsupported(text)
    }

    static func parseCall(_ text: String) -> StepForm? {
        var words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard words.first?.lowercased() == "call", words.count >= 4 else { return nil }
        words.removeFirst()
        if words.first?.lowercased() == "the" { words.removeFirst() }
        guard !words.isEmpty else { return nil }
        var service = words.removeFirst().trimmingCharacters(in: CharacterSet(charactersIn: ":"))
        if words.first?.lowercased().hasPrefix("service") == true { words.removeFirst() }
        service = service.lowercased()
        let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        guard words.count >= 2, methods.contains(words[0].uppercased()), words[1].hasPrefix("/") else { return nil }
        let method = words[0].uppercased()
        let path = words[1].trimmingCharacters(in: CharacterSet(charactersIn: ".,;"))
        let rest = words.dropFirst(2).joined(separator: " ")
        guard !rest.isEmpty else { return .call(service: service, method: method, path: path, input: .none) }
        guard rest.lowercased().hasPrefix("with ") else { return nil }
        let what = String(rest.dropFirst(5)).trimmingCharacters(in: .whitespaces)
        let lw = what.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        if ["the payload", "the event payload", "the event's payload", "the input", "payload", "the event"].contains(lw) {
            return .call(service: service, method: method, path: path, input: .payload)
        }
        if lw.hasPrefix("fields ") || lw.hasPrefix("the fields ") {
            let list = String(what.dropFirst(lw.hasPrefix("the ") ? 11 : 7)).replacingOccurrences(of: " and ", with: ",")
            let names = list.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " .`'\"")) }.filter { !$0.isEmpty }
            return names.isEmpty ? nil : .call(service: service, method: method, path: path, input: .fields(names))
        }
        if what.hasPrefix("{"), let json = JSONValue.parse(what.hasSuffix(".") ? String(what.dropLast()) : what) {
            return .call(service: service, method: method, path: path, input: .template(json))
        }
        return nil
    }

    static func unquote(_ s: String) -> String {
        var t = s
        if t.hasSuffix(".") && t.count > 1 && (t.dropLast().hasSuffix("\"")) { t.removeLast() }
        if t.count >= 2, t.first == "\"", t.last == "\"" { t = String(t.dropFirst().dropLast()) }
        return t
    }

    /// The input a call step sends, from the run's context.
    public static func input(_ input: Input, context: JSONValue) -> JSONValue {
        switch input {
        case .none: return .object([:])
        case .payload: return context["payload"] ?? context["input"] ?? .object([:])
        case .fields(let names):
            let source = context["payload"] ?? context["input"] ?? .null
            var out: [String: JSONValue] = [:]
            for n in names { if let v = lookup(n, in: source) { out[n.split(separator: ".").last.map(String.init) ?? n] = v } }
            return .object(out)
        case .template(let t): return fill(t, context: context)
        }
    }

    /// Fills `{{…}}` placeholders in every string of `template`; a string that is one placeholder takes the value's type.
    public static func fill(_ template: JSONValue, context: JSONValue) -> JSONValue {
        switch template {
        case .string(let s):
            let trimmed = s.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}"), trimmed.components(separatedBy: "{{").count == 2 {
                return resolve(String(trimmed.dropFirst(2).dropLast(2)), context) ?? .string("")
            }
            return .string(render(s, context: context))
        case .array(let a): return .array(a.map { fill($0, context: context) })
        case .object(let o): return .object(o.mapValues { fill($0, context: context) })
        default: return template
        }
    }

    /// Renders `{{…}}` placeholders in text; missing values render empty.
    public static func render(_ text: String, context: JSONValue) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let value = resolve(String(rest[open.upperBound..<close.lowerBound]), context)
            out += value.map { $0.string ?? ($0.isNull ? "" : $0.text) } ?? ""
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// `a.b.0.c|other|'literal'`: the first alternative that resolves.
    static func resolve(_ expression: String, _ context: JSONValue) -> JSONValue? {
        for alternative in expression.split(separator: "|").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if alternative.count >= 2, let q = alternative.first, (q == "'" || q == "\""), alternative.last == q {
                return .string(String(alternative.dropFirst().dropLast()))
            }
            if let v = lookup(alternative, in: context), !v.isNull { return v }
        }
        return nil
    }

    static func lookup(_ path: String, in value: JSONValue) -> JSONValue? {
        var current: JSONValue? = value
        for key in path.split(separator: ".").map(String.init) {
            guard let c = current else { return nil }
            if let i = Int(key), let a = c.array { current = i < a.count && i >= 0 ? a[i] : nil } else { current = c[key] }
        }
        return current
    }
}
