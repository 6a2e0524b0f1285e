import Core
import Foundation
import HTTPServer
import LLM

/// A scripted Anthropic Messages API on a real port: each POST /v1/messages plays the next turn as Anthropic's SSE
/// events (text, tool_use blocks whose input arrives in small `input_json_delta` fragments, HTTP errors, an
/// `event: error` mid-stream), and every request body and header set is recorded.
public final class FakeAnthropicServer: Sendable {
    public enum Turn: Sendable {
        /// Text deltas, then `end_turn`.
        case text([String])
        /// Optional leading text, then one `tool_use` block per call, then `tool_use`.
        case toolCalls([ToolCall], text: String? = nil)
        /// An HTTP error with Anthropic's error body.
        case error(status: Int, type: String, message: String, retryAfter: String? = nil)
        /// Text deltas, then `event: error` and the end of the stream.
        case streamError(after: [String], type: String, message: String)
        /// Text deltas, then the connection ends without `message_delta` or `message_stop`.
        case cutOff([String])
    }

    /// `input_tokens` reported in every `message_start`.
    public static let inputTokens = 21

    private let state: Locked<(turns: [Turn], requests: [JSONValue], headers: [[String: String]])>
    private let server: HTTPServer

    /// `jsonFragment`: characters per `input_json_delta`, small enough to cut keys, strings and numbers apart.
    /// `splitWrites`: write each SSE event in two socket writes, cutting it mid-line.
    public init(_ turns: [Turn], chunkDelay: Double = 0.005, jsonFragment: Int = 3, splitWrites: Bool = true, port: Int = 0) throws {
        let state = Locked((turns: turns, requests: [JSONValue](), headers: [[String: String]]()))
        self.state = state
        var router = Router()
        router.post("/v1/messages") { req in
            guard let body = JSONValue.parse(req.body) else {
                return FakeAnthropicServer.errorResponse(400, "invalid_request_error", "body is not JSON", retryAfter: nil)
            }
            var headers: [String: String] = [:]
            for f in req.headers.fields { headers[f.name.lowercased()] = f.value }
            let turn: Turn? = state.withLock { s in
                s.requests.append(body)
                s.headers.append(headers)
                return s.turns.isEmpty ? nil : s.turns.removeFirst()
            }
            let events = FakeAnthropicServer.events(turn, model: body["model"]?.string ?? "claude-fake", jsonFragment: max(1, jsonFragment))
            switch events {
            case .failure(let response): return response
            case .success(let events): return FakeAnthropicServer.sse(events, delay: chunkDelay, splitWrites: splitWrites)
            }
        }
        router.get("/v1/models") { _ in
            Response.json(raw: #"{"data":[{"type":"model","id":"claude-fake","display_name":"Claude Fake"},{"type":"model","id":"claude-fake-large","display_name":"Claude Fake Large"}],"has_more":false}"#)
        }
        var limits = ServerLimits()
        limits.shutdownGrace = 1
        server = try HTTPServer(configuration: ServerConfiguration(port: port, eventLoops: 1, limits: limits),
                                router: router, logger: Logger(sink: LogSink(capturingAt: .error)))
    }

    /// The API root, as `--llm-base-url` takes it for Anthropic.
    public var baseURL: String { "http://127.0.0.1:\(server.port)" }
    public var port: Int { server.port }
    /// Every message request body received, in order.
    public var requests: [JSONValue] { state.withLock { $0.requests } }
    /// Their headers, names lower-cased.
    public var requestHeaders: [[String: String]] { state.withLock { $0.headers } }

    public func shutdown() async { await server.shutdown() }

    /// One SSE event: its name and its data.
    struct Event {
        var name: String
        var data: JSONValue
    }

    enum Played {
        case success([Event])
        case failure(Response)
    }

    static func events(_ turn: Turn?, model: String, jsonFragment: Int) -> Played {
        guard let turn else {
            return .failure(errorResponse(500, "api_error", "the fake Anthropic server has no more scripted turns", retryAfter: nil))
        }
        var out = [Event(name: "message_start", data: ["type": "message_start", "message": [
            "id": "msg_fake", "type": "message", "role": "assistant", "content": [], "model": .string(model),
            "stop_reason": .null, "usage": ["input_tokens": JSONValue(inputTokens), "output_tokens": 1]]]),
                   Event(name: "ping", data: ["type": "ping"])]
        var index = 0
        func textBlock(_ pieces: [String]) {
            out.append(Event(name: "content_block_start", data: ["type": "content_block_start", "index": JSONValue(index),
                                                                 "content_block": ["type": "text", "text": ""]]))
            for p in pieces {
                out.append(Event(name: "content_block_delta", data: ["type": "content_block_delta", "index": JSONValue(index),
                                                                     "delta": ["type": "text_delta", "text": .string(p)]]))
            }
            out.append(Event(name: "content_block_stop", data: ["type": "content_block_stop", "index": JSONValue(index)]))
            index += 1
        }
        func finish(_ reason: String) {
            out.append(Event(name: "message_delta", data: ["type": "message_delta", "delta": ["stop_reason": .string(reason), "stop_sequence": .null],
                                                           "usage": ["output_tokens": JSONValue(out.count)]]))
            out.append(Event(name: "message_stop", data: ["type": "message_stop"]))
        }
        switch turn {
        case .error(let status, let type, let message, let retryAfter):
            return .failure(errorResponse(status, type, message, retryAfter: retryAfter))
        case .text(let pieces):
            textBlock(pieces)
            finish("end_turn")
        case .toolCalls(let calls, let text):
            if let text { textBlock([text]) }
            for call in calls {
                out.append(Event(name: "content_block_start", data: ["type": "content_block_start", "index": JSONValue(index),
                                                                     "content_block": ["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": [:]]]))
                for piece in fragments(call.arguments, size: jsonFragment) {
                    out.append(Event(name: "content_block_delta", data: ["type": "content_block_delta", "index": JSONValue(index),
                                                                         "delta": ["type": "input_json_delta", "partial_json": .string(piece)]]))
                }
                out.append(Event(name: "content_block_stop", data: ["type": "content_block_stop", "index": JSONValue(index)]))
                index += 1
            }
            finish("tool_use")
        case .cutOff(let pieces):
            textBlock(pieces)
        case .streamError(let pieces, let type, let message):
            textBlock(pieces)
            out.removeLast()  // the block never closes: the error cuts it off
            out.append(Event(name: "error", data: ["type": "error", "error": ["type": .string(type), "message": .string(message)]]))
        }
        return .success(out)
    }

    /// The arguments cut every `size` characters; an empty string still sends one empty fragment, as the API does.
    static func fragments(_ s: String, size: Int) -> [String] {
        let chars = Array(s)
        guard !chars.isEmpty else { return [""] }
        return stride(from: 0, to: chars.count, by: size).map { String(chars[$0..<min(chars.count, $0 + size)]) }
    }

    static func errorResponse(_ status: Int, _ type: String, _ message: String, retryAfter: String?) -> Response {
        let body: JSONValue = ["type": "error", "error": ["type": .string(type), "message": .string(message)]]
        var r = Response.json(raw: body.text, status: status)
        if let retryAfter { r.headers.add("Retry-After", retryAfter) }
        return r
    }

    static func sse(_ events: [Event], delay: Double, splitWrites: Bool) -> Response {
        Response(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]), body: .stream(length: nil) { w in
            for e in events {
                let text = "event: \(e.name)\ndata: \(e.data.text)\n\n"
                if splitWrites {
                    let cut = text.index(text.startIndex, offsetBy: text.count / 2)
                    try await w.write(String(text[..<cut]))
                    try await w.write(String(text[cut...]))
                } else {
                    try await w.write(text)
                }
                if delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
            }
        })
    }
}
