import Core

/// An agent event as a value other replicas read back (the store's live events carry a chat's turn to them).
extension AgentEvent {
    public var json: JSONValue {
        switch self {
        case .text(let t): ["kind": "text", "text": .string(t)]
        case .toolCall(let id, let name, let arguments): ["kind": "toolCall", "id": .string(id), "name": .string(name), "arguments": .string(arguments)]
        case .toolResult(let id, let name, let output, let ok, let ms):
            ["kind": "toolResult", "id": .string(id), "name": .string(name), "output": .string(output), "ok": .bool(ok), "ms": JSONValue(ms)]
        case .done(let t): ["kind": "done", "text": .string(t)]
        case .failed(let m): ["kind": "failed", "message": .string(m)]
        case .progress(let m): ["kind": "progress", "message": .string(m)]
        case .budgetExhausted(let reason, let done): ["kind": "budgetExhausted", "reason": .string(reason), "done": .array(done.map { .string($0) })]
        }
    }

    /// The event `json` describes; nil for an unknown kind or a missing field.
    public init?(json: JSONValue) {
        func s(_ key: String) -> String? { json[key]?.string }
        switch s("kind") {
        case "text": guard let t = s("text") else { return nil }; self = .text(t)
        case "toolCall":
            guard let id = s("id"), let name = s("name"), let arguments = s("arguments") else { return nil }
            self = .toolCall(id: id, name: name, arguments: arguments)
        case "toolResult":
            guard let id = s("id"), let name = s("name"), let output = s("output"), let ok = json["ok"]?.bool, let ms = json["ms"]?.int else { return nil }
            self = .toolResult(id: id, name: name, output: output, ok: ok, ms: ms)
        case "done": guard let t = s("text") else { return nil }; self = .done(t)
        case "failed": guard let m = s("message") else { return nil }; self = .failed(m)
        case "progress": guard let m = s("message") else { return nil }; self = .progress(m)
        case "budgetExhausted":
            guard let reason = s("reason"), let done = json["done"]?.array?.compactMap(\.string) else { return nil }
            self = .budgetExhausted(reason: reason, done: done)
        default: return nil
        }
    }

    /// The same event cut to fit a live event of the store (a tool's long output): its text fields shortened.
    var shortened: AgentEvent {
        func cut(_ t: String) -> String { t.utf8.count <= 1500 ? t : String(decoding: t.utf8.prefix(1500), as: UTF8.self) + "…" }
        switch self {
        case .text(let t): return .text(cut(t))
        case .toolCall(let id, let name, let arguments): return .toolCall(id: id, name: name, arguments: cut(arguments))
        case .toolResult(let id, let name, let output, let ok, let ms): return .toolResult(id: id, name: name, output: cut(output), ok: ok, ms: ms)
        case .done(let t): return .done(cut(t))
        case .failed(let m): return .failed(cut(m))
        case .progress(let m): return .progress(cut(m))
        case .budgetExhausted(let reason, let done): return .budgetExhausted(reason: cut(reason), done: Array(done.prefix(20)))
        }
    }
}
