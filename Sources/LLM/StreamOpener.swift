import Core
import Foundation
import HTTPClient

/// Opens a provider's streamed answer: one POST, retried with backoff (honouring `Retry-After`) while the server is
/// unreachable or answers a retryable status. One implementation for every provider; each supplies how it reads a
/// failed status.
struct StreamOpener: Sendable {
    let client: HTTPClient
    let providerName: String
    let maxAttempts: Int
    let retryBaseDelay: Double
    let maxRetryDelay: Double
    let stallTimeout: Double
    let logger: Logger?

    func open(url: String, headers: [(String, String)], body: [UInt8], isRetryable: (Int) -> Bool,
              statusError: (Int, [UInt8], Double?) -> LLMError) async throws -> StreamingResponse {
        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            let http = ClientRequest(method: "POST", url: url, headers: headers + [("Content-Type", "application/json"), ("Accept", "text/event-stream")],
                                     body: body, timeout: 0, connectTimeout: 10, stallTimeout: stallTimeout)
            let response: StreamingResponse
            do {
                response = try await client.stream(http)
            } catch let e as HTTPClientError {
                let mapped = StreamOpener.mapTransport(e, provider: providerName)
                if case .unreachable = mapped, attempt < maxAttempts {
                    try await backoff(attempt, retryAfter: nil, reason: "unreachable")
                    continue
                }
                throw mapped
            }
            guard response.status != 200 else { return response }
            var errorBody: [UInt8] = []
            for try await chunk in response.body where errorBody.count < 65536 { errorBody += chunk }
            let retryAfter = response.header("Retry-After").flatMap(RetryAfter.parse)
            let error = statusError(response.status, errorBody, retryAfter)
            if isRetryable(response.status), attempt < maxAttempts {
                try await backoff(attempt, retryAfter: retryAfter, reason: "HTTP \(response.status)")
                continue
            }
            throw error
        }
    }

    private func backoff(_ attempt: Int, retryAfter: Double?, reason: String) async throws {
        let exponential = retryBaseDelay * pow(2, Double(attempt - 1)) * Double.random(in: 0.8...1.2)
        let delay = min(maxRetryDelay, retryAfter ?? exponential)
        logger?.warn("llm.retry", ["provider": providerName, "attempt": "\(attempt)", "reason": reason, "delay_s": String(format: "%.2f", delay)])
        try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
    }

    /// A provider's turn as a stream: `body` produces its events in a task that ends when the consumer stops.
    static func produce(_ body: @escaping @Sendable (AsyncThrowingStream<ChatEvent, Error>.Continuation) async throws -> Void)
        -> AsyncThrowingStream<ChatEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await body(continuation)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A transport failure as the LLM layer says it.
    static func mapTransport(_ e: HTTPClientError, provider: String) -> LLMError {
        switch e {
        case .connectFailed(let url, let m): .unreachable(url: url, detail: m)
        case .tls(let url, let m): .unreachable(url: url, detail: m)
        case .invalidURL(let u): .unreachable(url: u, detail: "not an http(s) URL")
        case .timeout(_, let s): .timeout(seconds: s)
        default: .badResponse(provider: provider, detail: e.description)
        }
    }
}
