import Core

/// Assembles a streamed chat completion from its chunks, absorbing provider quirks:
/// tool calls that end with `finish_reason: "stop"`, parallel calls all at `index: 0` told apart only by `id`,
/// chunks without `usage`.
struct StreamAccumulator {
    private(set) var text = ""
    private var calls: [PartialCall] = []
    private(set) var finishReason: String?
    private(set) var usage: Usage?
    private(set) var model = ""

    struct PartialCall {
        var index: Int
        var id: String
        var name: String
        var arguments: String
    }

    /// Applies one chunk; returns the text delta it carried, if any.
    mutating func apply(_ chunk: JSONValue) -> String? {
        if let m = chunk["model"]?.string, !m.isEmpty { model = m }
        if let u = chunk["usage"], let p = u["prompt_tokens"]?.int, let c = u["completion_tokens"]?.int {
            usage = Usage(promptTokens: p, completionTokens: c)
        }
        guard let choice = chunk["choices"]?[0] else { return nil }
        if let reason = choice["finish_reason"]?.string { finishReason = reason }
        // Non-streamed responses carry `message` instead of `delta`.
        let delta = choice["delta"] ?? choice["message"]
        var emitted: String?
        if let piece = delta?["content"]?.string, !piece.isEmpty {
            text += piece
            emitted = piece
        }
        for (position, callDelta) in (delta?["tool_calls"]?.array ?? []).enumerated() {
            merge(callDelta, position: position)
        }
        return emitted
    }

    private mutating func merge(_ d: JSONValue, position: Int) {
        let index = d["index"]?.int ?? position
        let id = d["id"]?.string ?? ""
        let name = d["function"]?["name"]?.string ?? ""
        let args = d["function"]?["arguments"]?.string ?? ""
        // The call this fragment continues: the latest at this index, unless the fragment names a new id.
        if let at = calls.lastIndex(where: { $0.index == index }), id.isEmpty || calls[at].id == id {
            if calls[at].name.isEmpty { calls[at].name = name } else if !name.isEmpty && calls[at].name != name { calls[at].name += name }
            calls[at].arguments += args
        } else {
            calls.append(PartialCall(index: index, id: id, name: name, arguments: args))
        }
    }

    func result(fallbackModel: String) -> ChatResult {
        let toolCalls = calls.enumerated().map { i, c in
            ToolCall(id: c.id.isEmpty ? "call_\(i)" : c.id, name: c.name, arguments: c.arguments.isEmpty ? "{}" : c.arguments)
        }
        // "The stream carried tool calls" is the signal, whatever finish_reason said.
        let reason = toolCalls.isEmpty ? (finishReason ?? "stop") : "tool_calls"
        return ChatResult(text: text, toolCalls: toolCalls, finishReason: reason, usage: usage, model: model.isEmpty ? fallbackModel : model)
    }
}
