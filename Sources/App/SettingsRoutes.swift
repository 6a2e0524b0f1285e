import Core
import Foundation
import HTTPServer
import LLM
import PiecesAPI
import Secrets

/// `/api/v1/settings/llm`: read and change the LLM provider at run time. The key is stored encrypted and only
/// ever shown as a hint.
enum SettingsRoutes {
    static func install(_ r: inout Router, pieces: PiecesAPI, config: LLMConfiguration, logger: Logger) {
        r.get("/api/v1/settings/llm", AppRouteDocs.getLLM) { _ in render(pieces.llmSettings) }
        r.put("/api/v1/settings/llm", AppRouteDocs.putLLM) { req in
            guard let body = JSONValue.parse(req.body), body.object != nil else {
                throw HTTPError(400, code: "invalid_json", message: "Send a JSON object: {\"provider\": …, \"baseUrl\": …, \"model\": …, \"apiKey\": …}.")
            }
            let current = pieces.llmSettings
            var next = current
            if let base = body["baseUrl"] {
                guard let s = base.string, s.hasPrefix("http://") || s.hasPrefix("https://"), URL(string: s)?.host != nil, s.count <= 2048 else {
                    throw HTTPError(400, code: "invalid_field", message: "Field 'baseUrl' must be an http(s) URL such as https://api.openai.com/v1.")
                }
                next.baseURL = s.hasSuffix("/") ? String(s.dropLast()) : s
            }
            if let model = body["model"] {
                guard let s = model.string, !s.isEmpty, s.count <= 200 else {
                    throw HTTPError(400, code: "invalid_field", message: "Field 'model' must be a model name of at most 200 characters.")
                }
                next.model = s
            }
            if let key = body["apiKey"] {
                if key.isNull || key.string == "" {
                    next.apiKey = nil
                } else {
                    guard let s = key.string, s.count <= 4096, !s.contains(where: { $0.isNewline }) else {
                        throw HTTPError(400, code: "invalid_field", message: "Field 'apiKey' must be a single-line string.")
                    }
                    next.apiKey = s
                }
            }
            try applyProvider(body, to: &next, current: current)
            guard next.baseURL != nil else {
                throw HTTPError(400, code: "missing_field", message: "Field 'baseUrl' is required to use a provider. DELETE this resource to go back to the offline engine.")
            }
            let saved = next
            try await config.db.asyncWriting { try config.save(saved) }
            pieces.configureLLM(next)
            logger.info("settings.llm_changed", ["provider": next.kind.rawValue, "base_url": next.baseURL ?? "", "model": next.model ?? "", "api_key_set": next.apiKey == nil ? "false" : "true",
                                                 "request_id": req.requestID])
            return render(next)
        }
        r.delete("/api/v1/settings/llm", AppRouteDocs.deleteLLM) { req in
            let none = LLMSettings()
            try await config.db.asyncWriting { try config.save(none) }
            pieces.configureLLM(none)
            logger.info("settings.llm_changed", ["provider": "offline", "request_id": req.requestID])
            return render(none)
        }
    }

    /// `provider`: "openai" or "anthropic" names the protocol, null or "auto" detects it from the base URL. Without the
    /// field, a new base URL goes back to detection. Changing protocol without naming a model drops the old model name,
    /// which the other provider would not know.
    static func applyProvider(_ body: JSONValue, to next: inout LLMSettings, current: LLMSettings) throws {
        if let field = body["provider"] {
            if field.isNull || field.string?.lowercased() == "auto" {
                next.provider = nil
            } else {
                guard let kind = field.string.flatMap(LLMProviderKind.init(name:)) else {
                    throw HTTPError(400, code: "invalid_field", message: "Field 'provider' must be \"openai\" or \"anthropic\" (or null to detect it from 'baseUrl').")
                }
                next.provider = kind
                if next.baseURL == nil { next.baseURL = kind.defaultBaseURL }
            }
        } else if next.baseURL != current.baseURL {
            next.provider = nil
        }
        if current.isConfigured, next.kind != current.kind, body["model"] == nil { next.model = nil }
    }

    static func render(_ s: LLMSettings) -> Response {
        Response.json(raw: JSONValue.object([
            "provider": .string(s.isConfigured ? s.kind.displayName : "offline"),
            "providerDetected": .bool(s.isConfigured && s.provider == nil),
            "baseUrl": JSONValue(s.baseURL), "model": JSONValue(s.isConfigured ? s.effectiveModel : nil),
            "apiKey": ["set": .bool(s.apiKey != nil), "hint": JSONValue(s.apiKey.map(SecretStore.hint))],
        ]).text)
    }
}
