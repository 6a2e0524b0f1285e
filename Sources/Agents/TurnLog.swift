import Core

/// What a turn's events say beyond its messages: each tool call's outcome, duration and the progress lines it
/// reported (the code-generation agent's steps). Stored with the tool's result, so a reopened chat shows what the
/// live view showed.
final class TurnLog: Sendable {
    struct Detail: Sendable {
        var ok: Bool?
        var ms: Int?
        var progress: [String] = []
    }

    static let maxProgressLines = 500
    private let state = Locked<(open: String?, details: [String: Detail])>((nil, [:]))

    func observe(_ event: AgentEvent) {
        state.withLock { s in
            switch event {
            case .toolCall(let id, _, _):
                s.open = id
                s.details[id] = Detail()
            case .progress(let line):
                // Tools run one at a time, so a progress line belongs to the call that is open.
                guard let id = s.open, (s.details[id]?.progress.count ?? 0) < TurnLog.maxProgressLines else { return }
                s.details[id]?.progress.append(String(line.prefix(2000)))
            case .toolResult(let id, _, _, let ok, let ms):
                s.details[id, default: Detail()].ok = ok
                s.details[id]?.ms = ms
                if s.open == id { s.open = nil }
            default:
                break
            }
        }
    }

    /// The details by tool call id, as stored in `chat_messages.detail`.
    var details: [String: JSONValue] {
        state.withLock { s in
            s.details.mapValues { d in
                var o: [String: JSONValue] = ["progress": .array(d.progress.map { .string($0) })]
                if let ok = d.ok { o["ok"] = .bool(ok) }
                if let ms = d.ms { o["ms"] = JSONValue(ms) }
                return .object(o)
            }
        }
    }
}
