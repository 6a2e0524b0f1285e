import Core

/// Assembles one Messages API turn from its stream events (or from a whole non-streamed message).
/// Content blocks are kept by the stream's `index`, so tool inputs split over many `input_json_delta` events,
/// and several `tool_use` blocks in one turn, come back whole and in order.
struct AnthropicTurn {
    enum Block {
        case text(String)
        case toolUse(id: String, name: String, json: String, initialInput: JSONValue?)
        /// Thinking and other blocks we neither show nor send back.
        case other
    }

    private var blocks: [Int: Block] = [:]
    private(set) var model = ""
    private(set) var stopReason: String?
    private var inputTokens: Int?
    private var outputTokens: Int?
    private(set) var started = false
    private(set) var stopped = false

    /// Applies one event; returns the text it carried, if any. `event: error` throws.
    mutating func apply(_ event: JSONValue, provider: String) throws -> String? {
        switch event["type"]?.string ?? "" {
        case "message_start":
            started = true
            if let m = event["message"] {
                if let id = m["model"]?.string, !id.isEmpty { model = id }
                readUsage(m["usage"])
            }
        case "content_block_start":
            guard let index = event["index"]?.int, let block = event["content_block"] else { return nil }
            return start(index, block)
        case "content_block_delta":
            guard let index = event["index"]?.int, let delta = event["delta"] else { return nil }
            return self.delta(index, delta)
        case "message_delta":
            if let reason = event["delta"]?["stop_reason"]?.string { stopReason = reason }
            readUsage(event["usage"])
        case "message_stop":
            stopped = true
        case "error":
            throw AnthropicErrors.streamed(event["error"], provider: provider)
        default:
            break  // ping, content_block_stop, and event types newer than this client
        }
        return nil
    }

    /// A whole message, from servers that answer `stream: true` with plain JSON.
    mutating func apply(message m: JSONValue) -> String {
        _ = try? apply(["type": "message_start", "message": m], provider: "")
        var text = ""
        for (i, block) in (m["content"]?.array ?? []).enumerated() {
            text += start(i, block) ?? ""
        }
        stopReason = m["stop_reason"]?.string
        stopped = true
        return text
    }

    private mutating func start(_ index: Int, _ block: JSONValue) -> String? {
        switch block["type"]?.string {
        case "text":
            let text = block["text"]?.string ?? ""
            blocks[index] = .text(text)
            return text.isEmpty ? nil : text
        case "tool_use":
            // JSONValue is nil-literal-expressible, so spell out the Optional: only a non-empty object counts.
            var input: JSONValue?
            if let given = block["input"], given.object?.isEmpty == false { input = given }
            blocks[index] = .toolUse(id: block["id"]?.string ?? "", name: block["name"]?.string ?? "", json: "", initialInput: input)
        default:
            blocks[index] = .other
        }
        return nil
    }

    private mutating func delta(_ index: Int, _ d: JSONValue) -> String? {
        switch (d["type"]?.string, blocks[index]) {
        case ("text_delta", let current):
            guard let piece = d["text"]?.string, !piece.isEmpty else { return nil }
            if case .text(let sofar)? = current { blocks[index] = .text(sofar + piece) } else { blocks[index] = .text(piece) }
            return piece
        case ("input_json_delta", .toolUse(let id, let name, let json, let initial)?):
            blocks[index] = .toolUse(id: id, name: name, json: json + (d["partial_json"]?.string ?? ""), initialInput: initial)
        default:
            break
        }
        return nil
    }

    private mutating func readUsage(_ u: JSONValue?) {
        guard let u else { return }
        // Cached prompt tokens are prompt tokens too; they are reported apart from `input_tokens`.
        let cached = (u["cache_creation_input_tokens"]?.int ?? 0) + (u["cache_read_input_tokens"]?.int ?? 0)
        if let i = u["input_tokens"]?.int { inputTokens = i + cached }
        if let o = u["output_tokens"]?.int { outputTokens = o }  // cumulative: the last one wins
    }

    func result(fallbackModel: String) -> ChatResult {
        var text = ""
        var calls: [ToolCall] = []
        for index in blocks.keys.sorted() {
            switch blocks[index] {
            case .text(let t)?: text += t
            case .toolUse(let id, let name, let json, let initial)?:
                let args = json.isEmpty ? (initial?.text ?? "{}") : json
                calls.append(ToolCall(id: id.isEmpty ? "toolu_\(calls.count)" : id, name: name, arguments: args))
            default: break
            }
        }
        let usage = inputTokens.map { Usage(promptTokens: $0, completionTokens: outputTokens ?? 0) }
        return ChatResult(text: text, toolCalls: calls, finishReason: AnthropicTurn.finishReason(stopReason, hasCalls: !calls.isEmpty),
                          usage: usage, model: model.isEmpty ? fallbackModel : model)
    }

    /// Anthropic's stop reasons in the OpenAI vocabulary the agents read.
    static func finishReason(_ stop: String?, hasCalls: Bool) -> String {
        switch stop {
        case "max_tokens": return "length"
        case "refusal": return "content_filter"
        case "tool_use": return "tool_calls"
        default: return hasCalls ? "tool_calls" : "stop"  // end_turn, stop_sequence, pause_turn
        }
    }
}
