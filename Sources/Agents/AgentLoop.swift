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

/// A tool call as the loop finished it, for callers that record steps (the Events agent): its outcome is decided
/// where the call failed, so nobody reads it back out of the output text.
public struct ToolStep: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case succeeded
        case failed
        /// It failed in a way that may pass if tried again later (the tool threw `RetryLater`); the turn ends here.
        case deferred
    }

    public let id: String
    public let name: String
    /// The arguments as the model sent them.
    public let arguments: String
    /// What the model is shown: the tool's answer, or an error envelope.
    public let output: String
    public let outcome: Outcome
    public let started: Date
    public let ms: Int

    public var ok: Bool { outcome == .succeeded }
    /// The step may be tried again later: the run is deferred at it, not failed.
    public var retryable: Bool { outcome == .deferred }
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

    /// Runs one turn; a tool's `RetryLater` ends it by being thrown (after its result is reported). `onStep` is told of
    /// each finished tool call, typed, before `emit` sees its result.
    public func turn(_ history: [ChatMessage], emit: @escaping @Sendable (AgentEvent) async -> Void,
                     onStep: @escaping @Sendable (ToolStep) async -> Void = { _ in }) async throws -> Outcome {
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
                let (output, outcome, retry) = await invoke(call, ToolContext(progress: { await emit(.progress($0)) }, chatID: chatID))
                let step = ToolStep(id: call.id, name: call.name, arguments: call.arguments, output: output, outcome: outcome,
                                    started: started, ms: Int(Date().timeIntervalSince(started) * 1000))
                await onStep(step)
                await emit(.toolResult(id: call.id, name: call.name, output: output, ok: step.ok, ms: step.ms))
                done.append(([call.name, AgentLoop.brief(call.arguments)].filter { !$0.isEmpty } + [step.ok ? "(ok)" : "(failed)"]).joined(separator: " "))
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

    /// Runs a tool; every failure becomes a result the model can read and act on, except `RetryLater`, whose step
    /// is `deferred` and which is also handed back so the caller can end the turn.
    func invoke(_ call: ToolCall, _ context: ToolContext) async -> (String, ToolStep.Outcome, RetryLater?) {
        guard let tool = tools.first(where: { $0.name == call.name }) else {
            return (JSONText.errorEnvelope(code: "unknown_tool", message: "There is no tool '\(call.name)'. Available: \(tools.map(\.name).joined(separator: ", "))."), .failed, nil)
        }
        guard let input = JSONValue.parse(call.arguments.isEmpty ? "{}" : call.arguments) else {
            return (JSONText.errorEnvelope(code: "invalid_arguments", message: "The arguments are not JSON."), .failed, nil)
        }
        let problems = JSONSchema.validate(input, against: tool.parameters)
        if !problems.isEmpty {
            return (JSONText.errorEnvelope(code: "invalid_arguments", message: problems.joined(separator: "; ")), .failed, nil)
        }
        do {
            var text = try await tool.run(input, context).text
            if text.utf8.count > AgentLoop.maxToolOutput { text = String(text.prefix(AgentLoop.maxToolOutput)) + "…(cut)" }
            return (text, .succeeded, nil)
        } catch let f as ToolFailure {
            return (JSONText.errorEnvelope(code: "tool_failed", message: f.message), .failed, nil)
        } catch let r as RetryLater {
            return (JSONText.errorEnvelope(code: RetryLater.code, message: r.message), .deferred, r)
        } catch {
            return (JSONText.errorEnvelope(code: "tool_failed", message: String(describing: error)), .failed, nil)
        }
    }
}
