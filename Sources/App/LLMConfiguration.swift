import Core
import Foundation
import LLM
import PiecesAPI
import Secrets
import Store

/// Where the LLM settings live: base URL, model and the explicit provider in `settings`, the API key as the secret
/// `LLM_API_KEY`. At start-up, flags and environment win over what was stored through the API.
struct LLMConfiguration: Sendable {
    let db: Database
    let secrets: SecretStore
    static let keySecret = "LLM_API_KEY"

    enum Source: String { case flags, settings, none }

    func stored() throws -> LLMSettings {
        let rows = try db.read { try $0.query("SELECT key, value FROM settings WHERE key IN ('llm.base_url', 'llm.model', 'llm.provider')") }
        let values = Dictionary(rows.compactMap { r in r["key"].string.map { ($0, r["value"].string ?? "") } }, uniquingKeysWith: { a, _ in a })
        return LLMSettings(baseURL: values["llm.base_url"], apiKey: try secrets.get(LLMConfiguration.keySecret), model: values["llm.model"],
                           provider: values["llm.provider"].flatMap(LLMProviderKind.init(name:)))
    }

    /// The settings to start with, and where they came from.
    func initial(_ options: ServeOptions) throws -> (LLMSettings, Source) {
        // `--llm-provider` alone is enough: the provider's own API is the base URL.
        if options.llmBaseURL != nil || options.llmProvider != nil {
            let base = options.llmBaseURL ?? (options.llmProvider ?? .openai).defaultBaseURL
            return (LLMSettings(baseURL: base, apiKey: options.llmAPIKey, model: options.llmModel, provider: options.llmProvider), .flags)
        }
        let s = try stored()
        return (s, s.isConfigured ? .settings : .none)
    }

    func save(_ s: LLMSettings) throws {
        try db.write { conn in
            for (key, value) in [("llm.base_url", s.baseURL), ("llm.model", s.model), ("llm.provider", s.provider?.rawValue)] {
                if let value {
                    try conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = \(conn.dialect.now)", [key, value])
                } else {
                    try conn.execute("DELETE FROM settings WHERE key = ?", [key])
                }
            }
        }
        if let key = s.apiKey, !key.isEmpty { try secrets.set(LLMConfiguration.keySecret, key) } else { try secrets.delete(LLMConfiguration.keySecret) }
    }
}
