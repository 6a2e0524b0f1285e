import Core
import Foundation
import HTTPServer
import LLM
import Synchronization

/// A scripted OpenAI-compatible server on a real port (tests, and `openpieces eval --replay`): each POST /v1/chat/completions plays the next turn
/// (streamed text, streamed tool calls with provider quirks, errors, 429s) and every request body is recorded.
public final class ScriptedLLMServer: Sendable {
    /// A tool call the fake streams back: the client's own type, so scripts and assertions speak alike.
    public typealias ScriptedCall = ToolCall

    public struct Quirks: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Tool calls, then `finish_reason: "stop"`.
        public static let finishWithStop = Quirks(rawValue: 1)
        /// Parallel calls all at `index: 0`, told apart only by `id`.
        public static let allAtIndexZero = Quirks(rawValue: 2)
        /// `: keep-alive` comments and blank `data:` lines between chunks.
        public static let keepAliveNoise = Quirks(rawValue: 4)
        /// No `usage` chunk.
        public static let noUsage = Quirks(rawValue: 8)
    }

    public enum Turn: Sendable {
        case text([String], quirks: Quirks = [])
        case toolCalls([ScriptedCall], quirks: Quirks = [])
        case error(status: Int, message: String, retryAfter: String? = nil)
        /// Accepts the request and sends nothing for `seconds`.
        case stall(seconds: Double)
    }

    private let script: Script
    private let server: HTTPServer

    /// `chunkDelay`: seconds between streamed chunks, so tests can see tokens arrive one by one.
    /// `loop`: replay the turns forever (benchmarks) instead of failing once they are used up.
    public init(_ turns: [Turn], chunkDelay: Double = 0.01, loop: Bool = false, port: Int = 0) throws {
        let script = Script(turns, loop: loop)
        self.script = script
        var router = Router()
        router.post("/v1/chat/completions") { req in
            guard let body = JSONValue.parse(req.body) else {
                return Response.error(400, code: "invalid_json", message: "body is not JSON")
            }
            var headers: [String: String] = [:]
            for f in req.headers.fields { headers[f.name.lowercased()] = f.value }
            let turn = script.next(body, headers: headers)
            return ScriptedLLMServer.answer(turn, stream: body["stream"]?.bool == true, model: body["model"]?.string ?? "fake-model", delay: chunkDelay)
        }
        // Ollama's pull: NDJSON progress lines, then success.
        router.post("/api/pull") { req in
            let name = JSONValue.parse(req.body)?["model"]?.string ?? ""
            if name == "missing-model" {
                return Response.json(raw: #"{"error":"pull model manifest: file does not exist"}"#, status: 500)
            }
            return Response(status: 200, headers: HTTPHeaders([("Content-Type", "application/x-ndjson")]), body: .stream(length: nil) { w in
                try await w.write("{\"status\":\"pulling manifest\"}\n")
                for k in 1...10 {
                    try await Task.sleep(nanoseconds: UInt64(chunkDelay * 1e9))
                    try await w.write("{\"status\":\"downloading\",\"digest\":\"sha256:abc\",\"total\":1000,\"completed\":\(k * 100)}\n")
                }
                try await w.write("{\"status\":\"success\"}\n")
            })
        }
        router.get("/v1/models") { _ in
            Response.json(raw: #"{"object":"list","data":[{"id":"fake-model","object":"model"},{"id":"fake-large","object":"model"}]}"#)
        }
        var limits = ServerLimits()
        limits.shutdownGrace = 1
        server = try HTTPServer(configuration: ServerConfiguration(port: port, eventLoops: 1, limits: limits),
                                router: router, logger: Logger(sink: LogSink(capturingAt: .error)))
    }

    public var baseURL: String { "http://127.0.0.1:\(server.port)/v1" }
    public var port: Int { server.port }
    /// Every chat request body received, in order.
    public var requests: [JSONValue] { script.state.withLock { $0.requests } }
    /// Their headers, names lower-cased.
    public var requestHeaders: [[String: String]] { script.state.withLock { $0.headers } }

    public func shutdown() async { await server.shutdown() }

    final class Script: Sendable {
        let state: Locked<(turns: [Turn], requests: [JSONValue], headers: [[String: String]])>
        let loop: Bool
        init(_ turns: [Turn], loop: Bool) {
            state = Locked((turns, [], []))
            self.loop = loop
        }

        func next(_ body: JSONValue, headers: [String: String]) -> Turn? {
            state.withLock { s in
                if loop {
                    // Benchmarks: keep no history (it would grow without bound), replay in a circle.
                    guard !s.turns.isEmpty else { return nil }
                    let t = s.turns.removeFirst()
                    s.turns.append(t)
                    return t
                }
                s.requests.append(body)
                s.headers.append(headers)
                return s.turns.isEmpty ? nil : s.turns.removeFirst()
            }
        }
    }

    static func answer(_ turn: Turn?, stream: Bool, model: String, delay: Double) -> Response {
        guard let turn else {
            return Response.error(500, code: "script_exhausted", message: "the scripted LLM has no more scripted turns")
        }
        switch turn {
        case .error(let status, let message, let retryAfter):
            var r = Response.json(raw: "{\"error\":{\"message\":\(JSONText.quote(message)),\"type\":\"fake\"}}", status: status)
            if let retryAfter { r.headers.add("Retry-After", retryAfter) }
            return r
        case .stall(let seconds):
            return Response(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]), body: .stream(length: nil) { _ in
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            })
        case .text(let pieces, let quirks):
            if !stream {
                return Response.json(raw: completion(model: model, content: pieces.joined(), calls: []))
            }
            var chunks: [String] = [chunk(model, delta: ["role": "assistant", "content": ""], finish: nil)]
            chunks += pieces.map { chunk(model, delta: ["content": .string($0)], finish: nil) }
            chunks.append(chunk(model, delta: [:], finish: "stop"))
            return sse(chunks, quirks: quirks, model: model, delay: delay)
        case .toolCalls(let calls, let quirks):
            if !stream {
                return Response.json(raw: completion(model: model, content: nil, calls: calls))
            }
            var chunks: [String] = [chunk(model, delta: ["role": "assistant", "content": nil], finish: nil)]
            for (i, call) in calls.enumerated() {
                let index = quirks.contains(.allAtIndexZero) ? 0 : i
                chunks.append(chunk(model, delta: ["tool_calls": [["index": JSONValue(index), "id": .string(call.id), "type": "function",
                                                                     "function": ["name": .string(call.name), "arguments": ""]]]], finish: nil))
                for piece in split(call.arguments, parts: 3) {
                    var fragment: [String: JSONValue] = ["index": JSONValue(index), "function": ["arguments": .string(piece)]]
                    if quirks.contains(.allAtIndexZero) { fragment["id"] = .string(call.id) }
                    chunks.append(chunk(model, delta: ["tool_calls": [.object(fragment)]], finish: nil))
                }
            }
            chunks.append(chunk(model, delta: [:], finish: quirks.contains(.finishWithStop) ? "stop" : "tool_calls"))
            return sse(chunks, quirks: quirks, model: model, delay: delay)
        }
    }

    static func chunk(_ model: String, delta: JSONValue, finish: String?) -> String {
        JSONValue.object(["id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": .string(model),
                          "choices": [["index": 0, "delta": delta, "finish_reason": JSONValue(finish)]]]).text
    }

    static func completion(model: String, content: String?, calls: [ScriptedCall]) -> String {
        var message: [String: JSONValue] = ["role": "assistant", "content": JSONValue(content)]
        if !calls.isEmpty {
            message["tool_calls"] = .array(calls.map { ["id": .string($0.id), "type": "function", "function": ["name": .string($0.name), "arguments": .string($0.arguments)]] })
        }
        return JSONValue.object(["id": "chatcmpl-fake", "object": "chat.completion", "model": .string(model),
                                 "choices": [["index": 0, "message": .object(message), "finish_reason": calls.isEmpty ? "stop" : "tool_calls"]],
                                 "usage": ["prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18]]).text
    }

    static func sse(_ chunks: [String], quirks: Quirks, model: String, delay: Double) -> Response {
        Response(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]), body: .stream(length: nil) { w in
            for c in chunks {
                if quirks.contains(.keepAliveNoise) { try await w.write(": keep-alive\n\ndata: \n\n") }
                try await w.write("data: \(c)\n\n")
                if delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
            }
            if !quirks.contains(.noUsage) {
                try await w.write("data: {\"id\":\"chatcmpl-fake\",\"model\":\"\(model)\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":\(chunks.count),\"total_tokens\":\(11 + chunks.count)}}\n\n")
            }
            try await w.write("data: [DONE]\n\n")
        })
    }

    static func split(_ s: String, parts: Int) -> [String] {
        let chars = Array(s)
        guard chars.count > parts else { return [s] }
        let size = (chars.count + parts - 1) / parts
        return stride(from: 0, to: chars.count, by: size).map { String(chars[$0..<min(chars.count, $0 + size)]) }
    }
}
