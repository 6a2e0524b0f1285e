@testable import Agents
import Core
import Foundation
import LLM
import Testing

/// The agent loop says how each tool call ended as a value: succeeded, failed, or deferred (it may pass if tried
/// later). The Events agent records steps from this, without reading the outcome back out of the output text.
@Suite struct ToolStepTests {
    /// Answers with the tool calls of `turns`, one model turn each, then with text.
    struct Scripted: LLMProvider {
        let turns: [[ToolCall]]
        var backend: LLMBackend { .remote(.openai) }
        var defaultModel: String { "m" }
        func listModels() async throws -> [String] { ["m"] }
        func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, Error> {
            let done = request.messages.filter { $0.role == .assistant }.count
            let calls = done < turns.count ? turns[done] : []
            let result = ChatResult(text: calls.isEmpty ? "finished" : "", toolCalls: calls, finishReason: calls.isEmpty ? "stop" : "tool_calls",
                                    usage: nil, model: "m")
            return AsyncThrowingStream { $0.yield(.done(result)); $0.finish() }
        }
    }

    final class Steps: Sendable {
        let all = Locked<[ToolStep]>([])
        let results = Locked<[Bool]>([])
    }

    func call(_ name: String, _ arguments: String = "{}") -> ToolCall { ToolCall(id: "id-\(name)", name: name, arguments: arguments) }

    @Test func eachStepSaysWhetherItMayBeRetried() async throws {
        let any: JSONValue = ["type": "object"]
        let tools = [
            Tool(name: "works", description: "", parameters: any) { _, _ in ["fine": true] },
            Tool(name: "refuses", description: "", parameters: any) { _, _ in throw ToolFailure("no") },
            // Its message even says "retry_later": only a thrown RetryLater defers a step.
            Tool(name: "says_retry", description: "", parameters: any) { _, _ in throw ToolFailure("retry_later") },
            Tool(name: "down", description: "", parameters: any) { _, _ in throw RetryLater("the service is down") },
        ]
        let loop = AgentLoop(provider: Scripted(turns: [[call("works"), call("refuses"), call("says_retry"), call("nonexistent")], [call("down")]]),
                             model: nil, tools: tools)
        let seen = Steps()
        await #expect(throws: RetryLater.self) {
            _ = try await loop.turn([.user("go")], emit: { event in
                if case .toolResult(_, _, _, let ok, _) = event { seen.results.withLock { $0.append(ok) } }
            }, onStep: { step in seen.all.withLock { $0.append(step) } })
        }
        let steps = seen.all.withLock { $0 }
        #expect(steps.map(\.name) == ["works", "refuses", "says_retry", "nonexistent", "down"])
        #expect(steps.map(\.outcome) == [.succeeded, .failed, .failed, .failed, .deferred])
        #expect(steps.map(\.retryable) == [false, false, false, false, true])
        // The chat's events keep saying ok or not, in the same order.
        #expect(seen.results.withLock { $0 } == steps.map(\.ok))
        #expect(steps[4].output.contains("the service is down"))
    }
}
