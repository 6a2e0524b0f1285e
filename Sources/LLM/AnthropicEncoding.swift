import Core

/// Turns the OpenAI-shaped `ChatRequest` into a Messages API body: system text moves to the top level, tool calls
/// become `tool_use` blocks, tool answers `tool_result` blocks in a user turn, and same-role neighbours merge
/// (the API wants user and assistant turns to alternate).
enum AnthropicEncoding {
    static func body(_ r: ChatRequest, model: String, maxTokens: Int, stream: Bool) -> JSONValue {
        var o: [String: JSONValue] = ["model": .string(model), "max_tokens": JSONValue(r.maxTokens ?? maxTokens),
                                      "messages": .array(messages(r.messages))]
        if stream { o["stream"] = true }
        let system = r.messages.filter { $0.role == .system }.compactMap(\.content).filter { !$0.isEmpty }
        if !system.isEmpty { o["system"] = .string(system.joined(separator: "\n\n")) }
        if !r.tools.isEmpty {
            o["tools"] = .array(r.tools.map { ["name": .string($0.name), "description": .string($0.description), "input_schema": $0.parameters] })
            // tool_choice without tools is refused by the API, so it only travels with them.
            if let choice = r.toolChoice { o["tool_choice"] = toolChoice(choice) }
        }
        // Anthropic takes 0...1 where OpenAI takes 0...2; out of range would be a 400.
        if let t = r.temperature { o["temperature"] = .number(min(1, max(0, t))) }
        return .object(o)
    }

    static func toolChoice(_ c: ToolChoice) -> JSONValue {
        switch c {
        case .auto: ["type": "auto"]
        case .none: ["type": "none"]
        case .required: ["type": "any"]
        case .function(let name): ["type": "tool", "name": .string(name)]
        }
    }

    private enum Role: String { case user, assistant }

    static func messages(_ history: [ChatMessage]) -> [JSONValue] {
        var turns: [(role: Role, blocks: [JSONValue])] = []
        for m in history where m.role != .system {
            let (role, blocks) = convert(m)
            guard !blocks.isEmpty else { continue }  // empty content blocks are refused
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
        }
        return turns.map { turn in
            // A lone text block travels as a plain string, the shape most examples and proxies expect.
            if turn.blocks.count == 1, turn.blocks[0]["type"]?.string == "text", let text = turn.blocks[0]["text"] {
                return ["role": .string(turn.role.rawValue), "content": text]
            }
            return ["role": .string(turn.role.rawValue), "content": .array(turn.blocks)]
        }
    }

    private static func convert(_ m: ChatMessage) -> (Role, [JSONValue]) {
        let text: [JSONValue] = (m.content ?? "").isEmpty ? [] : [["type": "text", "text": .string(m.content ?? "")]]
        switch m.role {
        case .system, .user:
            return (.user, text)
        case .assistant:
            let uses: [JSONValue] = m.toolCalls.map { c in
                ["type": "tool_use", "id": .string(c.id), "name": .string(c.name), "input": input(c.arguments)]
            }
            return (.assistant, text + uses)
        case .tool:
            guard let id = m.toolCallID else { return (.user, text) }
            return (.user, [["type": "tool_result", "tool_use_id": .string(id), "content": .string(m.content ?? "")]])
        }
    }

    /// `input` must be an object; arguments a model once sent malformed go back as `{}` rather than failing the turn.
    private static func input(_ arguments: String) -> JSONValue {
        guard let v = JSONValue.parse(arguments), v.object != nil else { return .object([:]) }
        return v
    }
}
