import Core
import Foundation
import LLM
import Steps

/// The Events agent's engine when no model is configured: it executes a workflow whose steps are in the catalogue
/// form (`StepForm`), one tool call per step, reading its progress from the tool results in the conversation
/// (so a run resumed after a crash or a retry continues where it stopped).
public struct OfflineEventsEngine: LLMProvider {
    public var backend: LLMBackend { .offline }
    public var defaultModel: String { OfflineEngine.modelID }

    let steps: [String]
    /// The run's context for placeholders: event, payload, input, task, scheduledFor, run.
    let context: JSONValue

    public init(steps: [String], context: JSONValue) {
        self.steps = steps
        self.context = context
    }

    public func listModels() async throws -> [String] { [OfflineEngine.modelID] }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, Error> { decide(request.messages).stream }

    func decide(_ messages: [ChatMessage]) -> ChatResult {
        // The calls made so far, each with its result, in order.
        var done: [(ToolCall, JSONValue?)] = []
        let results = Dictionary(messages.filter { $0.role == .tool }.compactMap { m in m.toolCallID.map { ($0, m.content ?? "") } },
                                 uniquingKeysWith: { _, b in b })
        for m in messages where m.role == .assistant {
            for c in m.toolCalls { done.append((c, results[c.id].flatMap { JSONValue.parse($0) })) }
        }
        if let last = done.last, last.0.name == "report" {
            let args = JSONValue.parse(last.0.arguments)
            return say(args?["summary"]?.string ?? "Done.")
        }
        if let last = done.last, let message = last.1?["error"]?["message"]?.string {
            return report(false, "Step \(done.count) (\(last.0.name)) failed: \(message)")
        }
        var ctx = context.object ?? [:]
        var outputs: [String: JSONValue] = [:]
        for (i, d) in done.enumerated() { outputs["\(i + 1)"] = d.1 ?? .null }
        ctx["steps"] = .object(outputs)
        ctx["now"] = .string(Clock.iso8601Now())
        let context = JSONValue.object(ctx)
        let index = done.count
        guard index < steps.count else {
            return report(true, "Ran \(steps.count) step\(steps.count == 1 ? "" : "s").")
        }
        return act(StepForm.parse(steps[index]), index: index, context: context)
    }

    private func act(_ form: StepForm, index: Int, context: JSONValue) -> ChatResult {
        let id = "step-\(index + 1)"
        switch form {
        case .conditional(let condition, let step):
            guard condition.holds(in: context) else {
                return call(id, "skip_step", ["step": JSONValue(index + 1), "reason": .string("the condition \(condition.description) does not hold")])
            }
            return act(step, index: index, context: context)
        case .call(let service, let method, let path, let input):
            return call(id, "call_endpoint", ["service": .string(service), "endpoint": .string("\(method) \(path)"),
                                              "input": StepForm.input(input, context: context)])
        case .remember(let text):
            return call(id, "brain_write", ["kind": "history", "text": .string(StepForm.render(text, context: context))])
        case .report(let text):
            return call(id, "report", ["status": "succeeded", "summary": .string(StepForm.render(text, context: context))])
        case .unsupported(let text):
            return report(false, "Step \(index + 1) is not in a form the offline engine can run: \"\(text.prefix(200))\". "
                          + "Write it as `Call <service> <METHOD> <path> with …`, `Remember …` or `Report …` (each may start with "
                          + "`If {{payload.x}} > 100, …`), or connect a model "
                          + "(OPENPIECES_LLM_BASE_URL, OPENPIECES_LLM_API_KEY, OPENPIECES_LLM_MODEL).")
        }
    }

    private func report(_ ok: Bool, _ summary: String) -> ChatResult {
        call("report-final", "report", ["status": .string(ok ? "succeeded" : "failed"), "summary": .string(summary)])
    }

    private func say(_ text: String) -> ChatResult { .offlineAnswer(text) }

    private func call(_ id: String, _ name: String, _ args: JSONValue) -> ChatResult {
        .offlineCalls([ToolCall(id: id, name: name, arguments: args.text)])
    }
}
