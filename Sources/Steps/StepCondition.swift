import Core
import Foundation

/// The condition of a step written `If <value> <op> <value>, <step>` (also `Only if`, `When`, `Only when`; `:` or
/// `then` may stand for the comma): `If {{payload.total}} > 100, call big-orders POST /orders with the payload`.
/// Values are placeholders (`{{payload.total}}`, or a bare `payload.total`), numbers, `true`/`false`, or quoted text.
public struct StepCondition: Equatable, Sendable {
    public enum Op: String, Sendable, CaseIterable {
        case greaterOrEqual = ">=", lessOrEqual = "<=", notEqual = "!=", equal = "==", greater = ">", less = "<", contains
    }

    public var left: String
    public var op: Op
    public var right: String

    /// Words people write for the operators, longest first so `is not` wins over `is`.
    static let words: [(String, Op)] = [
        (" is at least ", .greaterOrEqual), (" is at most ", .lessOrEqual), (" is not ", .notEqual), (" is over ", .greater),
        (" is more than ", .greater), (" is above ", .greater), (" is under ", .less), (" is less than ", .less), (" is below ", .less),
        (" contains ", .contains), (" >= ", .greaterOrEqual), (" <= ", .lessOrEqual), (" != ", .notEqual), (" == ", .equal),
        (" = ", .equal), (" > ", .greater), (" < ", .less), (" is ", .equal),
    ]

    /// Splits `If <condition>, <step>` into the condition and the rest; nil when the text is not a conditional step.
    static func split(_ text: String) -> (StepCondition, String)? {
        let lower = text.lowercased()
        guard let prefix = ["only if ", "only when ", "if ", "when "].first(where: { lower.hasPrefix($0) }) else { return nil }
        let body = String(text.dropFirst(prefix.count))
        for separator in [", ", ": ", " then "] {
            guard let r = body.range(of: separator) else { continue }
            let condition = String(body[..<r.lowerBound]).trimmingCharacters(in: .whitespaces)
            let step = String(body[r.upperBound...]).trimmingCharacters(in: .whitespaces)
            if let c = parse(condition), !step.isEmpty { return (c, step) }
        }
        return nil
    }

    static func parse(_ text: String) -> StepCondition? {
        let padded = " " + text + " "
        for (word, op) in words {
            guard let r = padded.range(of: word, options: .caseInsensitive) else { continue }
            let left = padded[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
            let right = padded[r.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !left.isEmpty, !right.isEmpty else { return nil }
            return StepCondition(left: left, op: op, right: right)
        }
        return nil
    }

    /// Whether it holds in the run's context. A value that cannot be read makes it false: the step is skipped.
    public func holds(in context: JSONValue) -> Bool {
        guard let a = StepCondition.value(left, context), let b = StepCondition.value(right, context) else { return false }
        if let x = a.double ?? Double(a.string ?? ""), let y = b.double ?? Double(b.string ?? ""), op != .contains {
            switch op {
            case .greater: return x > y
            case .greaterOrEqual: return x >= y
            case .less: return x < y
            case .lessOrEqual: return x <= y
            case .equal: return x == y
            case .notEqual: return x != y
            case .contains: return false
            }
        }
        let s = a.string ?? a.text, t = b.string ?? b.text
        switch op {
        case .equal: return s.lowercased() == t.lowercased()
        case .notEqual: return s.lowercased() != t.lowercased()
        case .contains: return s.lowercased().contains(t.lowercased()) || (a.array?.contains(b) ?? false)
        default: return false
        }
    }

    static func value(_ text: String, _ context: JSONValue) -> JSONValue? {
        let t = text.trimmingCharacters(in: CharacterSet(charactersIn: " ."))
        if t.hasPrefix("{{"), t.hasSuffix("}}") { return StepForm.resolve(String(t.dropFirst(2).dropLast(2)), context) }
        if let n = Double(t) { return .number(n) }
        if t == "true" || t == "false" { return .bool(t == "true") }
        if t.count >= 2, let q = t.first, q == "'" || q == "\"", t.last == q { return .string(String(t.dropFirst().dropLast())) }
        return StepForm.lookup(t, in: context) ?? .string(t)
    }

    public var description: String { "\(left) \(op.rawValue) \(right)" }
}
