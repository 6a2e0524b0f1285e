import Core

/// Anthropic's errors as `LLMError`s. Its error bodies read `{"type":"error","error":{"type":…,"message":…}}`,
/// over HTTP and as an `event: error` in the middle of a stream.
enum AnthropicErrors {
    /// Statuses worth another attempt: rate limits, server failures, and 529 (overloaded).
    static func isRetryable(_ status: Int) -> Bool { status == 429 || status == 529 || (500...599).contains(status) }

    static func status(_ status: Int, _ body: [UInt8], retryAfter: Double?, model: String, url: String) -> LLMError {
        let json = JSONValue.parse(body)
        let anthropicShaped = json?["error"]?["type"]?.string != nil
        let detail = json?["error"]?["message"]?.string ?? json?["message"]?.string
            ?? String(decoding: body.prefix(300), as: UTF8.self)
        switch status {
        case 401, 403: return .unauthorized(provider: "Anthropic", detail: detail)
        case 429: return .rateLimited(retryAfter: retryAfter)
        // A 404 that is not Anthropic's JSON means the base URL serves no Messages API at all.
        case 404 where anthropicShaped: return .modelNotFound(model: model, detail: detail)
        case 404: return .badRequest(detail: "HTTP 404 at \(url): no Messages API there; check --llm-base-url (e.g. https://api.anthropic.com)")
        case 400: return .badRequest(detail: detail)
        case 400..<500: return .badRequest(detail: "HTTP \(status): \(detail)")
        default: return .server(status: status, detail: detail)
        }
    }

    /// An `event: error` after the stream began (e.g. `overloaded_error`).
    static func streamed(_ error: JSONValue?, provider: String) -> LLMError {
        let message = error?["message"]?.string ?? error?.text ?? "unknown error"
        switch error?["type"]?.string {
        case "overloaded_error": return .server(status: 529, detail: message)
        case "rate_limit_error": return .rateLimited(retryAfter: nil)
        case "authentication_error", "permission_error": return .unauthorized(provider: provider, detail: message)
        case "invalid_request_error": return .badRequest(detail: message)
        case "not_found_error": return .badRequest(detail: message)
        default: return .server(status: 500, detail: message)
        }
    }
}
