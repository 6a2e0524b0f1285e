import Core
import Foundation

/// The JSON form of a script, shared by `fake-llm SCRIPT.json` and `openpieces eval --replay`: a list of turns,
/// `{"text": ["Hel", "lo"]}`, `{"tool_calls": [{"id", "name", "arguments"}]}` or `{"error": {"status", "message", "retry_after"}}`.
/// `arguments` is the JSON text a model sends, or (easier to write and read by hand) that JSON as an object.
public enum ScriptFile {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public static func load(_ path: String) throws -> [ScriptedLLMServer.Turn] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Invalid(description: "cannot read \(path)") }
        guard let list = JSONValue.parse(Array(data))?.array else { throw Invalid(description: "\(path) is not a JSON list of turns") }
        return try list.enumerated().map { i, t in
            if let pieces = t["text"]?.array { return .text(pieces.compactMap(\.string)) }
            if let calls = t["tool_calls"]?.array {
                return .toolCalls(calls.enumerated().map { j, c in
                    let args = c["arguments"].map { $0.string ?? $0.text } ?? "{}"
                    return ScriptedLLMServer.ScriptedCall(id: c["id"]?.string ?? "call-\(i)-\(j)", name: c["name"]?.string ?? "f", arguments: args)
                })
            }
            if let e = t["error"] {
                return .error(status: e["status"]?.int ?? 500, message: e["message"]?.string ?? "error", retryAfter: e["retry_after"]?.string)
            }
            throw Invalid(description: "\(path): turn \(i + 1) has none of text, tool_calls, error")
        }
    }
}
