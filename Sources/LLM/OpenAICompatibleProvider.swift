import Core
import Foundation
import HTTPClient

public struct ProviderConfig: Sendable, Equatable {
    /// e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` (Ollama), `http://127.0.0.1:8080/v1` (llama.cpp).
    public var baseURL: String
    public var apiKey: String?
    public var model: String
    /// Seconds without a byte from the provider before giving up on a turn.
    public var stallTimeout: Double = 120
    /// Seconds for the whole model list (`GET /models`): a settings page waits on it.
    public var listTimeout: Double = 15
    public var maxAttempts = 4
    /// First backoff delay; doubles each retry (with jitter) unless the provider sends Retry-After.
    public var retryBaseDelay: Double = 0.5
    public var maxRetryDelay: Double = 30

    public init(baseURL: String, apiKey: String?, model: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.model = model
    }
}

/// Chat completions against any OpenAI-compatible server, streamed over SSE, with retries on 429 and 5xx.
public final class OpenAICompatibleProvider: LLMProvider {
    public let config: ProviderConfig
    private let client: HTTPClient
    private let logger: Logger?

    public var backend: LLMBackend { .remote(.openai) }
    public var defaultModel: String { config.model }

    public init(config: ProviderConfig, client: HTTPClient = HTTPClient(maxResponseBytes: 256 * 1024 * 1024), logger: Logger? = nil) {
        self.config = config
        self.client = client
        self.logger = logger
    }

    var opener: StreamOpener {
        StreamOpener(client: client, providerName: providerName, maxAttempts: config.maxAttempts, retryBaseDelay: config.retryBaseDelay,
                     maxRetryDelay: config.maxRetryDelay, stallTimeout: config.stallTimeout, logger: logger)
    }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, Error> {
        StreamOpener.produce { try await self.run(request, $0) }
    }

    public func listModels() async throws -> [String] {
        let response: ClientResponse
        do {
            response = try await client.send(ClientRequest(url: config.baseURL + "/models", headers: authHeaders(), timeout: config.listTimeout))
        } catch let e as HTTPClientError {
            throw StreamOpener.mapTransport(e, provider: providerName)
        }
        guard response.status == 200 else { throw mapStatus(response.status, response.body, retryAfter: nil) }
        guard let data = JSONValue.parse(response.body)?["data"]?.array else {
            throw LLMError.badResponse(provider: providerName, detail: "GET /models had no 'data' list")
        }
        return data.compactMap { $0["id"]?.string }
    }

    private func authHeaders() -> [(String, String)] {
        guard let key = config.apiKey, !key.isEmpty else { return [] }
        return [("Authorization", "Bearer \(key)")]
    }

    private func run(_ request: ChatRequest, _ out: AsyncThrowingStream<ChatEvent, Error>.Continuation) async throws {
        let model = request.model ?? config.model
        let body = RequestEncoding.body(request, model: model, stream: true).bytes
        let response = try await opener.open(url: config.baseURL + "/chat/completions", headers: authHeaders(), body: body,
                                             isRetryable: RequestEncoding.isRetryable) { status, body, retryAfter in
            mapStatus(status, body, retryAfter: retryAfter)
        }
        try await consume(response, model: model, out)
    }

    /// Reads the SSE stream (or a plain JSON completion from servers that ignore `stream`).
    private func consume(_ response: StreamingResponse, model: String, _ out: AsyncThrowingStream<ChatEvent, Error>.Continuation) async throws {
        var acc = StreamAccumulator()
        let isJSON = response.header("Content-Type")?.lowercased().hasPrefix("application/json") == true
        if isJSON {
            var body: [UInt8] = []
            for try await chunk in response.body { body += chunk }
            guard let json = JSONValue.parse(body), json["choices"] != nil else {
                throw LLMError.badResponse(provider: providerName, detail: String(decoding: body.prefix(200), as: UTF8.self))
            }
            if let text = acc.apply(json) { out.yield(.text(text)) }
            out.yield(.done(acc.result(fallbackModel: model)))
            return
        }
        var parser = SSEParser()
        var sawData = false
        do {
            outer: for try await chunk in response.body {
                for data in parser.feed(chunk) {
                    if data == "[DONE]" { break outer }
                    guard let json = JSONValue.parse(data) else { continue }  // blank or keep-alive data lines
                    if let error = json["error"] {
                        throw LLMError.server(status: 200, detail: error["message"]?.string ?? error.text)
                    }
                    sawData = true
                    if let text = acc.apply(json) { out.yield(.text(text)) }
                }
            }
        } catch let e as HTTPClientError {
            throw StreamOpener.mapTransport(e, provider: providerName)
        }
        for data in parser.finish() where data != "[DONE]" {
            if let json = JSONValue.parse(data) {
                sawData = true
                if let text = acc.apply(json) { out.yield(.text(text)) }
            }
        }
        guard sawData else { throw LLMError.badResponse(provider: providerName, detail: "the stream carried no completion chunks") }
        out.yield(.done(acc.result(fallbackModel: model)))
    }

    private func mapStatus(_ status: Int, _ body: [UInt8], retryAfter: Double?) -> LLMError {
        let json = JSONValue.parse(body)
        let detail = json?["error"]?["message"]?.string ?? json?["error"]?.string ?? json?["message"]?.string
            ?? String(decoding: body.prefix(300), as: UTF8.self)
        let lower = detail.lowercased()
        switch status {
        case 401, 403: return .unauthorized(provider: config.baseURL, detail: detail)
        case 429: return .rateLimited(retryAfter: retryAfter)
        case 404 where lower.contains("model"), 400 where lower.contains("model") && (lower.contains("not found") || lower.contains("does not exist")):
            return .modelNotFound(model: config.model, detail: detail)
        case 400..<500: return .badRequest(detail: "HTTP \(status): \(detail)")
        default: return .server(status: status, detail: detail)
        }
    }
}

enum RetryAfter {
    /// `Retry-After` as seconds or an HTTP date.
    static func parse(_ value: String) -> Double? {
        if let s = Double(value.trimmingCharacters(in: .whitespaces)) { return max(0, s) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }
}

enum RequestEncoding {
    static func isRetryable(_ status: Int) -> Bool { status == 429 || status == 500 || status == 502 || status == 503 || status == 504 }

    static func body(_ r: ChatRequest, model: String, stream: Bool) -> JSONValue {
        var o: [String: JSONValue] = ["model": .string(model), "messages": .array(r.messages.map(message))]
        if stream {
            o["stream"] = true
            o["stream_options"] = ["include_usage": true]
        }
        if !r.tools.isEmpty {
            o["tools"] = .array(r.tools.map { t in
                ["type": "function", "function": ["name": .string(t.name), "description": .string(t.description), "parameters": t.parameters]]
            })
        }
        switch r.toolChoice {
        case .none?: o["tool_choice"] = "none"
        case .auto?: o["tool_choice"] = "auto"
        case .required?: o["tool_choice"] = "required"
        case .function(let name)?: o["tool_choice"] = ["type": "function", "function": ["name": .string(name)]]
        case nil: break
        }
        if let t = r.temperature { o["temperature"] = .number(t) }
        if let m = r.maxTokens { o["max_tokens"] = JSONValue(m) }
        return .object(o)
    }

    static func message(_ m: ChatMessage) -> JSONValue {
        var o: [String: JSONValue] = ["role": .string(m.role.rawValue), "content": JSONValue(m.content)]
        if !m.toolCalls.isEmpty {
            o["tool_calls"] = .array(m.toolCalls.map { c in
                ["id": .string(c.id), "type": "function", "function": ["name": .string(c.name), "arguments": .string(c.arguments)]]
            })
        }
        if let id = m.toolCallID { o["tool_call_id"] = .string(id) }
        return .object(o)
    }
}
