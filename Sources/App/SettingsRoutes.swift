import Core
import Foundation
import HTTPServer
import PiecesAPI
import Secrets

/// `/api/v1/settings/llm`: read and change the LLM provider at run time. The key is stored encrypted and only
/// ever shown as a hint.
enum SettingsRoutes {
    static func install(_ r: inout Router, pieces: PiecesAPI, config: LLMConfiguration, logger: Logger) {
        r.get("/api/v1/settings/llm") { _ in render(pieces.llmSettings) }
        r.put("/api/v1/settings/llm") { req in
            guard let body = JSONValue.parse(req.body), body.object != nil else {
                throw HTTPError(400, code: "invalid_json", message: "Send a JSON object: {\"baseUrl\": …, \"model\": …, \"apiKey\": …}.")
            }
            var next = pieces.llmSettings
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
            guard next.baseURL != nil else {
                throw HTTPError(400, code: "missing_field", message: "Field 'baseUrl' is required to use a provider. DELETE this resource to go back to the offline engine.")
            }
            try config.save(next)
            pieces.configureLLM(next)
            logger.info("settings.llm_changed", ["base_url": next.baseURL ?? "", "model": next.model ?? "", "api_key_set": next.apiKey == nil ? "false" : "true",
                                                 "request_id": req.requestID])
            return render(next)
        }
        r.delete("/api/v1/settings/llm") { req in
            let none = LLMSettings()
            try config.save(none)
            pieces.configureLLM(none)
            logger.info("settings.llm_changed", ["provider": "offline", "request_id": req.requestID])
            return render(none)
        }
    }

    static func render(_ s: LLMSettings) -> Response {
        Response.json(raw: JSONValue.object([
            "provider": .string(s.isConfigured ? "openai-compatible" : "offline"),
            "baseUrl": JSONValue(s.baseURL), "model": JSONValue(s.isConfigured ? (s.model ?? "gpt-4o-mini") : nil),
            "apiKey": ["set": .bool(s.apiKey != nil), "hint": JSONValue(s.apiKey.map(SecretStore.hint))],
        ]).text)
    }
}
