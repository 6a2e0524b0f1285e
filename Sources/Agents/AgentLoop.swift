import Core
import Foundation
import LLM

/// What a running turn reports, in order: text as it streams, each tool call as it starts and its result.
public enum AgentEvent: Sendable, Equatable {
    case text(String)
    case toolCall(id: String, name: String, arguments: String)
    case toolResult(id: String, name: String, output: String, ok: Bool, ms: Int)
    /// The turn ended: its final text.
    case done(String)
    case failed(String)
    /// A sub-agent's progress (the code-generation agent's steps), relayed to the chat.
    case progress(String)
}

/// A tool-calling loop over the LLM layer: ask the model, run the tools it calls (input validated against each
/// tool's schema), feed the results back, until it answers without tools or the step limit is reached.
public struct AgentLoop: Sendable {
    public let provider: any LLMProvider
    public let model: String?
    public let tools: [Tool]
    public let maxSteps: Int
    /// A tool result longer than this is cut before it goes back to the model.
    static let maxToolOutput = 16 * 1024

    public init(provider: any LLMProvider, model: String?, tools: [Tool], maxSteps: Int = 12) {
        self.provider = provider
        self.model = model
        self.tools = tools
        self.maxSteps = maxSteps
    }

    /// How a turn ended.
    public struct Outcome: Sendable {
        /// The messages the turn added.
        public var added: [ChatMessage]
        /// The model's final text.
        public var text: String
        /// True when the step limit ended it, not the model.
        public var exhausted: Bool
    }

    /// Runs one turn from `history` (which ends with the user's message). Returns the messages the turn added.
    public func run(_ history: [ChatMessage], emit: @escaping @Sendable (AgentEvent) async -> Void) async throws -> [ChatMessage] {
        try await turn(history, emit: emit).added
    }

    /// Runs one turn; a tool's `RetryLater` ends it by being thrown (after its result is reported).
    public func turn(_ history: [ChatMessage], emit: @escaping @Sendable (AgentEvent) async -> Void) async throws -> Outcome {
        var messages = history
        var added: [ChatMessage] = []
        let definitions = tools.map(\.definition)
        for _ in 0..<maxSteps {
            try Task.checkCancellation()
            var result: ChatResult?
            for try await event in provider.stream(ChatRequest(model: model, messages: messages, tools: definitions,
                                                               toolChoice: definitions.isEmpty ? nil : .auto)) {
                switch event {
                case .text(let t): await emit(.text(t))
                case .done(let r): result = r
                }
            }
            guard let result else { throw LLMError.badResponse(provider: provider.providerName, detail: "no result") }
            let assistant = ChatMessage.assistant(result.text.isEmpty ? nil : result.text, toolCalls: result.toolCalls)
            messages.append(assistant)
            added.append(assistant)
            if result.toolCalls.isEmpty {
                await emit(.done(result.text))
                return Outcome(added: added, text: result.text, exhausted: false)
            }
            for call in result.toolCalls {
                try Task.checkCancellation()
                await emit(.toolCall(id: call.id, name: call.name, arguments: call.arguments))
                let started = Date()
                let (output, ok, retry) = await invoke(call, ToolContext(progress: { await emit(.progress($0)) }))
                let ms = Int(Date().timeIntervalSince(started) * 1000)
                await emit(.toolResult(id: call.id, name: call.name, output: output, ok: ok, ms: ms))
                if let retry { throw retry }
                let message = ChatMessage.tool(callID: call.id, output)
                messages.append(message)
                added.append(message)
            }
        }
        let stop = "I stopped after \(maxSteps) steps without finishing. Tell me how to continue, or narrow the request."
        let final = ChatMessage.assistant(stop)
        added.append(final)
        await emit(.done(stop))
        return Outcome(added: added, text: stop, exhausted: true)
    }

    /// Runs a tool; every failure becomes a result the model can read and act on, except `RetryLater`,
    /// which is also handed back so the caller can end the turn.
    func invoke(_ call: ToolCall, _ context: ToolContext) async -> (String, Bool, RetryLater?) {
        guard let tool = tools.first(where: { $0.name == call.name }) else {
            return (JSONText.errorEnvelope(code: "unknown_tool", message: "There is no tool '\(call.name)'. Available: \(tools.map(\.name).joined(separator: ", "))."), false, nil)
        }
        guard let input = JSONValue.parse(call.arguments.isEmpty ? "{}" : call.arguments) else {
            return (JSONText.errorEnvelope(code: "invalid_arguments", message: "The arguments are not JSON."), false, nil)
        }
        let problems = JSONSchema.validate(input, against: tool.parameters)
        if !problems.isEmpty {
            return (JSONText.errorEnvelope(code: "invalid_arguments", message: problems.joined(separator: "; ")), false, nil)
        }
        do {
            var text = try await tool.run(input, context).text
            if text.utf8.count > AgentLoop.maxToolOutput { text = String(text.prefix(AgentLoop.maxToolOutput)) + "…(cut)" }
            return (text, true, nil)
        } catch let f as ToolFailure {
            return (JSONText.errorEnvelope(code: "tool_failed", message: f.message), false, nil)
        } catch let r as RetryLater {
            return (JSONText.errorEnvelope(code: RetryLater.code, message: r.message), false, r)
        } catch {
            return (JSONText.errorEnvelope(code: "tool_failed", message: String(describing: error)), false, nil)
        }
    }
}
