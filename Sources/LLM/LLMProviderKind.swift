import Core
import Foundation

/// Which wire protocol a configured provider speaks. Chosen explicitly, or detected from the base URL.
public enum LLMProviderKind: String, Sendable, Equatable, CaseIterable {
    /// Any OpenAI-compatible chat-completions server (OpenAI, OpenRouter, Ollama, llama.cpp, vLLM).
    case openai
    /// Anthropic's Messages API.
    case anthropic

    /// Accepts the raw names and the name reported as `providerName` (`openai-compatible`), any case.
    public init?(name: String) {
        switch name.trimmingCharacters(in: .whitespaces).lowercased() {
        case "openai", "openai-compatible": self = .openai
        case "anthropic": self = .anthropic
        default: return nil
        }
    }

    /// Anthropic's own host speaks only the Messages API; every other URL is taken as OpenAI-compatible.
    public static func detect(baseURL: String?) -> LLMProviderKind {
        guard let host = baseURL.flatMap({ URL(string: $0)?.host?.lowercased() }) else { return .openai }
        return host == "api.anthropic.com" ? .anthropic : .openai
    }

    /// The name settings and logs show (`openai-compatible` predates this enum and stays).
    public var displayName: String {
        switch self {
        case .openai: "openai-compatible"
        case .anthropic: "anthropic"
        }
    }

    public var defaultBaseURL: String {
        switch self {
        case .openai: "https://api.openai.com/v1"
        case .anthropic: AnthropicProvider.defaultBaseURL
        }
    }

    public var defaultModel: String {
        switch self {
        case .openai: "gpt-4o-mini"
        case .anthropic: AnthropicProvider.defaultModel
        }
    }

    /// The provider of this kind for these settings.
    public func makeProvider(baseURL: String, apiKey: String?, model: String, logger: Logger?) -> any LLMProvider {
        let config = ProviderConfig(baseURL: baseURL, apiKey: apiKey, model: model)
        switch self {
        case .openai: return OpenAICompatibleProvider(config: config, logger: logger)
        case .anthropic: return AnthropicProvider(config: config, logger: logger)
        }
    }
}
