import Core

/// A saved snippet handed to a model as grounding.
public struct Snippet: Sendable, Equatable {
    public var title: String
    public var language: String
    public var text: String
    public init(title: String, language: String, text: String) {
        self.title = title
        self.language = language
        self.text = text
    }
}

/// How grounding snippets travel inside a system message, readable by real models and parseable by the offline engine.
public enum GroundingContext {
    static let open = "<<snippet"
    static let close = "<</snippet>>"

    public static func render(_ snippets: [Snippet]) -> String {
        snippets.map { s in
            "\(open) title=\(JSONText.quote(s.title)) language=\(JSONText.quote(s.language))>>\n\(s.text)\n\(close)"
        }.joined(separator: "\n")
    }

    public static func parse(_ text: String) -> [Snippet] {
        var out: [Snippet] = []
        var rest = Substring(text)
        while let start = rest.range(of: open), let headerEnd = rest[start.upperBound...].range(of: ">>\n"),
              let end = rest[headerEnd.upperBound...].range(of: "\n" + close) {
            let header = rest[start.upperBound..<headerEnd.lowerBound]
            out.append(Snippet(title: attribute(header, "title") ?? "snippet", language: attribute(header, "language") ?? "text",
                               text: String(rest[headerEnd.upperBound..<end.lowerBound])))
            rest = rest[end.upperBound...]
        }
        return out
    }

    private static func attribute(_ header: Substring, _ name: String) -> String? {
        guard let r = header.range(of: "\(name)=\"") else { return nil }
        var value = ""
        var escaped = false
        for c in header[r.upperBound...] {
            if escaped { value.append(c == "n" ? "\n" : c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "\"" { return value }
            value.append(c)
        }
        return nil
    }
}

/// The embedded engine used when no provider is configured: deterministic, offline. It answers questions from the
/// snippets it is given as grounding, and says plainly when a request needs a real model.
public struct OfflineEngine: LLMProvider {
    public static let modelID = "openpieces-offline"
    public var backend: LLMBackend { .offline }
    public var defaultModel: String { OfflineEngine.modelID }

    public init() {}

    public func listModels() async throws -> [String] { [OfflineEngine.modelID] }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, Error> {
        AsyncThrowingStream { continuation in
            do {
                let text = try answer(request)
                // Word by word, like a model would stream it.
                var piece = ""
                for ch in text {
                    piece.append(ch)
                    if ch == " " || ch == "\n" {
                        continuation.yield(.text(piece))
                        piece = ""
                    }
                }
                if !piece.isEmpty { continuation.yield(.text(piece)) }
                let words = text.split(whereSeparator: \.isWhitespace).count
                continuation.yield(.done(ChatResult(text: text, toolCalls: [], finishReason: "stop",
                                                    usage: Usage(promptTokens: 0, completionTokens: words), model: OfflineEngine.modelID)))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    func answer(_ request: ChatRequest) throws -> String {
        if !request.tools.isEmpty { throw LLMError.needsRealModel("Planning with tools") }
        let question = request.messages.last(where: { $0.role == .user })?.content ?? ""
        let snippets = request.messages.filter { $0.role == .system }.flatMap { GroundingContext.parse($0.content ?? "") }
        guard !snippets.isEmpty else {
            return "I found nothing in your saved snippets about “\(question.trimmingCharacters(in: .whitespacesAndNewlines))”. "
                + "Offline, I answer only from your own snippets: save related ones, or configure a model "
                + "(OPENPIECES_LLM_BASE_URL, OPENPIECES_LLM_API_KEY, OPENPIECES_LLM_MODEL) for open questions."
        }
        var text = "From your saved snippets, the closest \(snippets.count == 1 ? "match" : "matches") for “\(question.trimmingCharacters(in: .whitespacesAndNewlines))”:\n"
        for s in snippets.prefix(3) {
            let body = s.text.count > 1200 ? String(s.text.prefix(1200)) + "\n…" : s.text
            text += "\n**\(s.title)**\n```\(s.language)\n\(body)\n```\n"
        }
        return text
    }
}

/// The embedded engines' turns: an answer, or tool calls, streamed in one piece.
extension ChatResult {
    public static func offlineAnswer(_ text: String) -> ChatResult {
        ChatResult(text: text, toolCalls: [], finishReason: "stop", usage: nil, model: OfflineEngine.modelID)
    }

    public static func offlineCalls(_ calls: [ToolCall]) -> ChatResult {
        ChatResult(text: "", toolCalls: calls, finishReason: "tool_calls", usage: nil, model: OfflineEngine.modelID)
    }

    /// The stream a provider answers with when it has decided the whole turn at once.
    public var stream: AsyncThrowingStream<ChatEvent, Error> {
        let result = self
        return AsyncThrowingStream { c in
            if !result.text.isEmpty { c.yield(.text(result.text)) }
            c.yield(.done(result))
            c.finish()
        }
    }
}
