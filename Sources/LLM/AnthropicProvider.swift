import Core
import Foundation
import HTTPClient

/// Anthropic's Messages API, streamed over SSE, with retries on 429, 5xx and 529 (overloaded) honouring Retry-After.
/// `config.baseURL` is the API root (`https://api.anthropic.com`); a trailing `/v1` is tolerated.
public final class AnthropicProvider: LLMProvider {
    public static let defaultBaseURL = "https://api.anthropic.com"
    public static let defaultModel = "claude-haiku-4-5"
    public static let apiVersion = "2023-06-01"

    public let config: ProviderConfig
    /// `max_tokens` is required by the API; this is sent when a request names none.
    public let defaultMaxTokens: Int
    private let client: HTTPClient
    private let logger: Logger?

    public var backend: LLMBackend { .remote(.anthropic) }
    public var defaultModel: String { config.model }

    public init(config: ProviderConfig, defaultMaxTokens: Int = 4096,
                client: HTTPClient = HTTPClient(maxResponseBytes: 256 * 1024 * 1024), logger: Logger? = nil) {
        self.config = config
        self.defaultMaxTokens = defaultMaxTokens
        self.client = client
        self.logger = logger
    }

    var opener: StreamOpener {
        StreamOpener(client: client, providerName: providerName, maxAttempts: config.maxAttempts, retryBaseDelay: config.retryBaseDelay,
                     maxRetryDelay: config.maxRetryDelay, stallTimeout: config.stallTimeout, logger: logger)
    }

    /// The root the `/v1/...` paths hang off.
    var root: String { config.baseURL.hasSuffix("/v1") ? String(config.baseURL.dropLast(3)) : config.baseURL }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, Error> {
        StreamOpener.produce { try await self.run(request, $0) }
    }

    public func listModels() async throws -> [String] {
        let url = root + "/v1/models?limit=1000"
        let response: ClientResponse
        do {
            response = try await client.send(ClientRequest(url: url, headers: headers(), timeout: config.listTimeout))
        } catch let e as HTTPClientError {
            throw StreamOpener.mapTransport(e, provider: providerName)
        }
        guard response.status == 200 else {
            throw AnthropicErrors.status(response.status, response.body, retryAfter: nil, model: config.model, url: url)
        }
        guard let data = JSONValue.parse(response.body)?["data"]?.array else {
            throw LLMError.badResponse(provider: providerName, detail: "GET /v1/models had no 'data' list")
        }
        return data.compactMap { $0["id"]?.string }
    }

    private func headers() -> [(String, String)] {
        var h = [("anthropic-version", AnthropicProvider.apiVersion)]
        if let key = config.apiKey, !key.isEmpty { h.append(("x-api-key", key)) }
        return h
    }

    private func run(_ request: ChatRequest, _ out: AsyncThrowingStream<ChatEvent, Error>.Continuation) async throws {
        let model = request.model ?? config.model
        let body = AnthropicEncoding.body(request, model: model, maxTokens: defaultMaxTokens, stream: true).bytes
        let url = root + "/v1/messages"
        let response = try await opener.open(url: url, headers: headers(), body: body, isRetryable: AnthropicErrors.isRetryable) { status, body, retryAfter in
            AnthropicErrors.status(status, body, retryAfter: retryAfter, model: model, url: url)
        }
        try await consume(response, model: model, out)
    }

    private func consume(_ response: StreamingResponse, model: String, _ out: AsyncThrowingStream<ChatEvent, Error>.Continuation) async throws {
        var turn = AnthropicTurn()
        if response.header("Content-Type")?.lowercased().hasPrefix("application/json") == true {
            var body: [UInt8] = []
            for try await chunk in response.body { body += chunk }
            guard let message = JSONValue.parse(body), message["content"]?.array != nil else {
                throw LLMError.badResponse(provider: providerName, detail: String(decoding: body.prefix(200), as: UTF8.self))
            }
            let text = turn.apply(message: message)
            if !text.isEmpty { out.yield(.text(text)) }
            out.yield(.done(turn.result(fallbackModel: model)))
            return
        }
        var parser = SSEParser()
        do {
            for try await chunk in response.body {
                for event in parser.feedEvents(chunk) {
                    if let text = try apply(event.data, to: &turn) { out.yield(.text(text)) }
                }
                if turn.stopped { break }
            }
        } catch let e as HTTPClientError {
            throw StreamOpener.mapTransport(e, provider: providerName)
        }
        if !turn.stopped {
            for data in parser.finish() {
                if let text = try apply(data, to: &turn) { out.yield(.text(text)) }
            }
        }
        guard turn.started else { throw LLMError.badResponse(provider: providerName, detail: "the stream carried no message_start") }
        // A cut connection must not pass for a short answer: without message_stop (or at least a stop reason) the turn is incomplete.
        guard turn.stopped || turn.stopReason != nil else {
            throw LLMError.badResponse(provider: providerName, detail: "the stream ended before message_stop")
        }
        out.yield(.done(turn.result(fallbackModel: model)))
    }

    private func apply(_ data: String, to turn: inout AnthropicTurn) throws -> String? {
        guard let json = JSONValue.parse(data) else { return nil }  // blank or keep-alive data lines
        return try turn.apply(json, provider: providerName)
    }

}
