import Intent

/// The answer to a request the offline engine cannot build as asked. It never builds something else instead: it
/// says what it understood, names what it did not, offers the closest request it can do (one that parses back to the
/// understood part), and gives the exact commands to connect a model that can build the rest.
enum OfflineLimits {
    static func answer(_ parsed: ParseResult) -> String {
        var lines: [String] = []
        if let intent = parsed.intent {
            lines.append("Without a model I can build only part of this, so I have built nothing. I understood:")
            lines += Rephrase.facts(intent).map { "  - \($0)" }
        } else {
            lines.append("Without a model I cannot build this, so I have built nothing.")
        }
        if !parsed.unknown.isEmpty {
            lines.append("I did not understand:")
            lines += parsed.unknown.map { "  - \(describe($0))" }
        }
        if let closest = parsed.closest {
            lines.append("The closest request I can build is:")
            lines.append("  \"\(closest)\"")
        }
        lines.append("What I can build offline, one example each (see the README's \"Offline engine\" section):")
        lines += Rephrase.examples.map { "  - \"\($0.request)\"" }
        lines.append(connect)
        return lines.joined(separator: "\n")
    }

    static func describe(_ u: Unknown) -> String {
        switch u.kind {
        case .word: u.text.first.map { "\"'“‘".contains($0) } == true ? u.text : "\"\(u.text)\""
        case .field: "the field \"\(u.text)\": I can store text, numbers, yes/no, URLs and dates, not this"
        case .behaviour: "\"\(u.text)\": generated services here cannot do that without a model"
        }
    }

    /// The commands, exactly: a local Ollama, then the hosted APIs (restart the server with them).
    static let connect = """
        To build exactly what you asked, connect a model and restart the server:
          ollama pull qwen2.5-coder && openpieces serve --llm-base-url http://127.0.0.1:11434/v1 --llm-model qwen2.5-coder
          OPENPIECES_LLM_API_KEY=sk-… openpieces serve --llm-provider openai --llm-model gpt-4o-mini
          OPENPIECES_LLM_API_KEY=sk-ant-… openpieces serve --llm-provider anthropic --llm-model claude-haiku-4-5
        (or set it while running: PUT /api/v1/settings/llm; the environment variables are OPENPIECES_LLM_BASE_URL, OPENPIECES_LLM_API_KEY, OPENPIECES_LLM_MODEL)
        """
}
