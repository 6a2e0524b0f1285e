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
    /// The turn's budget ended it before the model finished: why, and the tool calls made so far.
    case budgetExhausted(reason: String, done: [String])
}

/// What one turn of an agent may spend: model calls, tokens (prompt and completion, summed over its calls) and wall
/// time. Whichever ends first ends the turn, with what was done so far; "continue" resumes from there.
public struct AgentBudget: Sendable, Equatable {
    public var turns: Int
    public var tokens: Int?
    public var seconds: Double?

    public init(turns: Int, tokens: Int? = nil, seconds: Double? = nil) {
        self.turns = turns
        self.tokens = tokens
        self.seconds = seconds
    }

    /// Sized for a two-service build plus a workflow and its verification.
    public static let orchestrator = AgentBudget(turns: 30, tokens: 1_000_000, seconds: 1800)
}

/// One model call, for the usage ledger.
public struct ModelCall: Sendable, Equatable {
    public var model: String
    public var usage: Usage?
    public var ms: Int
}

/// A tool-calling loop over the LLM layer: ask the model, run the tools it calls (input validated against each
/// tool's schema), feed the results back, until it answers without tools or the step limit is reached.
public struct AgentLoop: Sendable {
    public let provider: any LLMProvider
    public let model: String?
    public let tools: [Tool]
    public let budget: AgentBudget
    /// Told of every model call (its tokens), for the usage ledger.
    public let onCall: @Sendable (ModelCall) -> Void
    /// The chat the turn belongs to, handed to tools.
    public let chatID: String?
    /// A tool result longer than this is cut before it goes back to the model.
    static let maxToolOutput = 16 * 1024

    public init(provider: any LLMProvider, model: String?, tools: [Tool], budget: AgentBudget = AgentBudget(turns: 12), chatID: String? = nil,
                onCall: @escaping @Sendable (ModelCall) -> Void = { _ in }) {
        self.chatID = chatID
        self.provider = provider
        self.model = model
        self.tools = tools
        self.budget = budget
        self.onCall = onCall
    }

    /// How a turn ended.
    public struct Outcome: Sendable {
        /// The messages the turn added.
        public var added: [ChatMessage]
        /// The model's final text.
        public var text: String
        /// True when the budget ended it, not the model.
        public var exhausted: Bool
    }

    /// Why a budget ended a turn, said for people.
    static func spent(_ b: AgentBudget, turns: Int, tokens: Int, started: Date) -> String? {
        if turns >= b.turns { return "its budget of \(b.turns) model turns" }
        if let limit = b.tokens, tokens >= limit { return "its budget of \(limit) tokens (\(tokens) used)" }
        if let limit = b.seconds, Date().timeIntervalSince(started) >= limit { return "its time budget of \(Int(limit)) s" }
        return nil
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
        let started = Date()
        var turns = 0, tokens = 0
        var done: [String] = []
        while true {
            if let reason = AgentLoop.spent(budget, turns: turns, tokens: tokens, started: started) {
                return await exhausted(reason, done: done, added: added, emit: emit)
            }
            try Task.checkCancellation()
            var result: ChatResult?
            let callStarted = Date()
            for try await event in provider.stream(ChatRequest(model: model, messages: messages, tools: definitions,
                                                               toolChoice: definitions.isEmpty ? nil : .auto)) {
                switch event {
                case .text(let t): await emit(.text(t))
                case .done(let r): result = r
                }
            }
            guard let result else { throw LLMError.badResponse(provider: provider.providerName, detail: "no result") }
            turns += 1
            tokens += (result.usage?.promptTokens ?? 0) + (result.usage?.completionTokens ?? 0)
            onCall(ModelCall(model: result.model.isEmpty ? (model ?? provider.defaultModel) : result.model, usage: result.usage,
                             ms: Int(Date().timeIntervalSince(callStarted) * 1000)))
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
                let (output, ok, retry) = await invoke(call, ToolContext(progress: { await emit(.progress($0)) }, chatID: chatID))
                let ms = Int(Date().timeIntervalSince(started) * 1000)
                await emit(.toolResult(id: call.id, name: call.name, output: output, ok: ok, ms: ms))
                done.append(([call.name, AgentLoop.brief(call.arguments)].filter { !$0.isEmpty } + [ok ? "(ok)" : "(failed)"]).joined(separator: " "))
                if let retry { throw retry }
                let message = ChatMessage.tool(callID: call.id, output)
                messages.append(message)
                added.append(message)
            }
        }
    }

    /// Ends a turn whose budget ran out: says so with what was done, in the chat's history too, so "continue" resumes.
    private func exhausted(_ reason: String, done: [String], added: [ChatMessage], emit: @escaping @Sendable (AgentEvent) async -> Void) async -> Outcome {
        await emit(.budgetExhausted(reason: reason, done: done))
        let list = done.isEmpty ? "nothing yet" : done.suffix(20).map { "- \($0)" }.joined(separator: "\n")
        let stop = "I stopped before finishing: this turn used \(reason). Done so far:\n\(list)\nSay \"continue\" and I will go on from here."
        await emit(.done(stop))
        return Outcome(added: added + [ChatMessage.assistant(stop)], text: stop, exhausted: true)
    }

    /// A tool call's arguments in a few words, for the list of what was done.
    static func brief(_ arguments: String) -> String {
        guard let o = JSONValue.parse(arguments)?.object else { return "" }
        let keys = ["slug", "endpoint", "endpoint_id", "path", "workflow", "run_id", "query", "name"]
        return keys.compactMap { k in o[k]?.string.map { "\(k)=\($0.prefix(60))" } }.prefix(3).joined(separator: " ")
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
