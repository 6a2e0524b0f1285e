import Core

/// One message of a chat, in the OpenAI chat-completions shape every provider here speaks.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case system, user, assistant, tool }

    public var role: Role
    public var content: String?
    /// Tool calls the assistant asked for.
    public var toolCalls: [ToolCall]
    /// For a `tool` message: which call this answers.
    public var toolCallID: String?

    public init(role: Role, content: String?, toolCalls: [ToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    public static func system(_ s: String) -> ChatMessage { ChatMessage(role: .system, content: s) }
    public static func user(_ s: String) -> ChatMessage { ChatMessage(role: .user, content: s) }
    public static func assistant(_ s: String?, toolCalls: [ToolCall] = []) -> ChatMessage {
        ChatMessage(role: .assistant, content: s, toolCalls: toolCalls)
    }
    public static func tool(callID: String, _ content: String) -> ChatMessage {
        ChatMessage(role: .tool, content: content, toolCallID: callID)
    }
}

public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The arguments as the model sent them: JSON text (possibly invalid; the caller validates).
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A tool the model may call: a name, what it does, and a JSON Schema of its arguments.
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

public enum ToolChoice: Sendable, Equatable {
    case auto, none, required
    case function(String)
}

public struct ChatRequest: Sendable {
    public var model: String?
    public var messages: [ChatMessage]
    public var tools: [ToolDefinition]
    public var toolChoice: ToolChoice?
    public var temperature: Double?
    public var maxTokens: Int?

    public init(model: String? = nil, messages: [ChatMessage], tools: [ToolDefinition] = [], toolChoice: ToolChoice? = nil,
                temperature: Double? = nil, maxTokens: Int? = nil) {
        self.model = model
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.temperature = temperature
        self.maxTokens = maxTokens
    }
}

public struct Usage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// What a completed turn produced.
public struct ChatResult: Sendable, Equatable {
    public var text: String
    public var toolCalls: [ToolCall]
    public var finishReason: String
    public var usage: Usage?
    public var model: String

    public init(text: String, toolCalls: [ToolCall], finishReason: String, usage: Usage?, model: String) {
        self.text = text
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.usage = usage
        self.model = model
    }
}

/// Events of a streamed turn: text as it arrives, then the whole result.
public enum ChatEvent: Sendable, Equatable {
    case text(String)
    case done(ChatResult)
}

/// What answers a turn: a configured provider speaking one wire protocol, or an embedded offline engine.
/// Callers that swap in their own deterministic engine when no model is configured ask this, never a name.
public enum LLMBackend: Sendable, Equatable {
    case offline
    case remote(LLMProviderKind)

    /// The name logs and the models list show (`openai-compatible`, `anthropic`, `offline`).
    public var name: String {
        switch self {
        case .offline: "offline"
        case .remote(let kind): kind.displayName
        }
    }
}

/// A chat model. Every agent and QGPT talk to models only through this.
public protocol LLMProvider: Sendable {
    var backend: LLMBackend { get }
    var defaultModel: String { get }
    /// Streams one assistant turn. Cancel the consuming task to stop it.
    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, Error>
    /// Model ids the provider offers.
    func listModels() async throws -> [String]
}

extension LLMProvider {
    /// A short name for logs and the models list, derived from `backend` so the two cannot disagree.
    public var providerName: String { backend.name }
    /// True for an embedded engine: no configured model answers.
    public var isOffline: Bool { backend == .offline }

    /// Runs one turn to completion.
    public func complete(_ request: ChatRequest) async throws -> ChatResult {
        for try await event in stream(request) {
            if case .done(let result) = event { return result }
        }
        throw LLMError.badResponse(provider: providerName, detail: "the stream ended without a result")
    }
}

public enum LLMError: Error, CustomStringConvertible, Sendable, Equatable {
    case unauthorized(provider: String, detail: String)
    case modelNotFound(model: String, detail: String)
    case unreachable(url: String, detail: String)
    case rateLimited(retryAfter: Double?)
    case server(status: Int, detail: String)
    case badRequest(detail: String)
    case badResponse(provider: String, detail: String)
    case timeout(seconds: Double)
    case needsRealModel(String)

    public var description: String {
        switch self {
        case .unauthorized(_, let d):
            "the LLM provider rejected the API key (\(d)). Set a valid key with --llm-api-key or OPENPIECES_LLM_API_KEY."
        case .modelNotFound(let m, let d):
            "the LLM provider has no model '\(m)' (\(d)). Pick one from GET /models, or set OPENPIECES_LLM_MODEL."
        case .unreachable(let u, let d):
            "cannot reach the LLM provider at \(u) (\(d)). Check --llm-base-url / OPENPIECES_LLM_BASE_URL and that the server runs."
        case .rateLimited(let after):
            "the LLM provider is rate-limiting requests" + (after.map { " (retry after \(Int($0)) s)" } ?? "") + ". Wait, or raise your quota."
        case .server(let s, let d):
            "the LLM provider failed with HTTP \(s): \(d). Try again later."
        case .badRequest(let d):
            "the LLM provider refused the request: \(d)"
        case .badResponse(let p, let d):
            "the LLM provider \(p) answered something that is not a chat completion: \(d)"
        case .timeout(let s):
            "the LLM provider did not answer within \(Int(s)) s. Try again, or use a faster model."
        case .needsRealModel(let what):
            "\(what) needs a real model: the offline engine only answers from your saved snippets. Configure one with OPENPIECES_LLM_BASE_URL, OPENPIECES_LLM_API_KEY and OPENPIECES_LLM_MODEL."
        }
    }
}
