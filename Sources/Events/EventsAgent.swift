import Agents
import Core
import Foundation
import LLM
import Services
import Synchronization
import Workflows

/// Limits on one run.
public struct RunLimits: Sendable, Equatable {
    /// Model turns per attempt.
    public var maxSteps = 20
    /// Wall-clock time per attempt.
    public var timeBudget: TimeInterval = 300
    /// Claims of one run before it is failed for good (retries and restarts both count).
    public var maxAttempts = 5
    /// First retry delay; doubled per attempt, at most `maxBackoff`.
    public var backoff: TimeInterval = 2
    public var maxBackoff: TimeInterval = 300
    /// Runs executed at once.
    public var concurrency = 4
    /// How long a claim lasts without renewal.
    public var lease: TimeInterval = 60
    public init() {}
}

/// The Events agent: runs one workflow for one run. Its context is the run's input (the event or the task), the
/// workflow's steps and the linked services' endpoints; its tools call those endpoints (validated against their
/// schemas), search and write the Brain and the assets, and report. Every tool call is recorded as a step.
public struct EventsAgent: Sendable {
    public enum Result: Sendable, Equatable {
        case finished(status: RunStatus.Outcome, error: String?, report: String?)
        case retry(String)
        case cancelled
    }

    let services: ServiceManager
    let workflows: WorkflowStore
    let runs: RunStore
    let feed: RunFeed
    /// Shared tools the agent may use besides its own (brain and assets).
    let shared: [Tool]
    let provider: @Sendable () -> (any LLMProvider, String?)
    let limits: RunLimits
    /// Where each run's model calls are accounted.
    let usage: UsageLedger?

    public static let sharedToolNames = ["brain_search", "brain_write", "assets_search", "assets_save"]

    public init(services: ServiceManager, workflows: WorkflowStore, runs: RunStore, feed: RunFeed, registry: ToolRegistry,
                limits: RunLimits, usage: UsageLedger? = nil, provider: @escaping @Sendable () -> (any LLMProvider, String?)) {
        self.usage = usage
        self.services = services
        self.workflows = workflows
        self.runs = runs
        self.feed = feed
        shared = registry.subset(EventsAgent.sharedToolNames)
        self.provider = provider
        self.limits = limits
    }

    public func execute(_ run: RunRecord, owner: String) async -> Result {
        guard let workflow = try? workflows.get(run.workflow) else {
            return .finished(status: .failed, error: "Workflow '\(run.workflow)' no longer exists.", report: nil)
        }
        guard workflow.status == .active else {
            return .finished(status: .failed, error: "Workflow '\(run.workflow)' is archived; set its status to active to run it.", report: nil)
        }
        let previous = (try? runs.steps(run.id)) ?? []
        // Steps that were deferred (retryable failures) are tried again; the rest is history the agent continues from.
        let replayed = previous.filter { !$0.retryable }
        let context = EventsAgent.context(run)
        let (configured, model) = provider()
        let engine: any LLMProvider = configured.isOffline ? OfflineEventsEngine(steps: workflow.steps, context: context) : configured
        let state = RunState(position: replayed.count)
        let tools = own(workflow, run: run, state: state) + shared
        var history: [ChatMessage] = [.system(prompt(workflow, run: run, context: context)), .user("Run the workflow now.")]
        for s in replayed {
            let id = "step-\(s.seq)"
            history.append(.assistant(nil, toolCalls: [ToolCall(id: id, name: s.tool, arguments: s.input.text)]))
            history.append(.tool(callID: id, s.output))
        }
        let usage = self.usage, runID = run.id
        let loop = AgentLoop(provider: engine, model: model, tools: tools, budget: AgentBudget(turns: limits.maxSteps)) {
            usage?.record($0, for: .run(runID))
        }
        let recorder = Recorder(run: run.id, owner: owner, runs: runs, feed: feed, state: state)
        do {
            let start = history
            let outcome = try await withTimeLimit(limits.timeBudget) { try await loop.turn(start, emit: recorder.emit, onStep: recorder.onStep) }
            guard let outcome else {
                return .finished(status: .failed, error: "The run exceeded its time budget of \(Int(limits.timeBudget)) s.", report: state.report?.summary)
            }
            if let r = state.report {
                return .finished(status: r.ok ? .succeeded : .failed, error: r.ok ? nil : r.summary, report: r.summary)
            }
            if outcome.exhausted {
                return .finished(status: .failed, error: "The run used its step budget (\(limits.maxSteps) model turns) without finishing.", report: nil)
            }
            return .finished(status: .succeeded, error: nil, report: outcome.text.isEmpty ? nil : outcome.text)
        } catch let r as RetryLater {
            return .retry(r.message)
        } catch is CancellationError {
            return .cancelled
        } catch let e as LLMError {
            switch e {
            case .unreachable, .rateLimited, .server, .timeout: return .retry(e.description)
            default: return .finished(status: .failed, error: e.description, report: nil)
            }
        } catch {
            return .finished(status: .failed, error: String(describing: error), report: nil)
        }
    }

    /// What placeholders and the model see of a run.
    static func context(_ run: RunRecord) -> JSONValue {
        var c = run.input.object ?? [:]
        c["input"] = run.input
        c["run"] = .string(run.id)
        c["workflow"] = .string(run.workflow)
        c["cause"] = .string(run.cause)
        if let t = run.taskID { c["task"] = .string(t) }
        if let s = run.scheduledFor { c["scheduledFor"] = .string(s) }
        return .object(c)
    }

    func prompt(_ w: Workflow, run: RunRecord, context: JSONValue) -> String {
        var lines = [
            "You are the Events agent of OpenPieces. You run one workflow, once, for the input below, by calling the linked services' endpoints with call_endpoint.",
            "Follow the steps in order. Do not invent endpoints: use only those listed. When finished, call report with status \"succeeded\" and a short summary;",
            "if a step cannot be done, call report with status \"failed\" and say why. Then answer with the summary.",
            "A step that starts with If or When runs only when its condition holds for the input below; when it does not, call skip_step and go on.",
            "",
            "Workflow: \(w.title) (\(w.slug))" + (w.description.isEmpty ? "" : " — \(w.description)"),
            "Steps:",
        ]
        for (i, s) in w.steps.enumerated() { lines.append("\(i + 1). \(s)") }
        lines.append("")
        lines.append("What started this run (\(run.cause)), as JSON:")
        lines.append(String(run.input.text.prefix(16_000)))
        lines.append("")
        lines.append("Services you may call (endpoint as \"METHOD /path\"):")
        for slug in w.actions {
            guard let s = try? services.store.find(slug) else { continue }
            lines.append("- \(s.slug): \(s.title) (\(s.status)) — \(s.description)")
            for e in (try? services.store.endpoints(s.id)) ?? [] {
                lines.append("  - \(e.method) \(e.path) — \(e.description)" + (e.inputSchema.map { " Input schema: \($0.text)" } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The run's own tools: endpoint calls limited to the workflow's actions, and the final report.
    func own(_ w: Workflow, run: RunRecord, state: RunState) -> [Tool] {
        let services = self.services
        let allowed = Set(w.actions)
        return [
            Tool(name: "call_endpoint",
                 description: "Call an endpoint of one of the workflow's services. 'endpoint' is \"METHOD /path\" as listed; 'input' is validated against its schema.",
                 parameters: ["type": "object", "properties": ["service": ["type": "string"], "endpoint": ["type": "string"], "input": ["type": "object"]],
                              "required": ["service", "endpoint"]], CallEndpointInput.self) { input, _ in
                let slug = input.service, endpoint = input.endpoint
                guard allowed.contains(slug) else {
                    throw ToolFailure("'\(slug)' is not linked to this workflow. Linked: \(w.actions.joined(separator: ", ")).")
                }
                // One key per logical step: a step repeated after a crash or a retry carries the same key, so a service can deduplicate.
                let key = "\(run.id):\(state.position)"
                let answer: EndpointAnswer
                do {
                    answer = try await services.call(service: slug, endpoint: endpoint, input: input.input ?? .object([:]),
                                                     headers: [("Idempotency-Key", key)])
                } catch let f as ServiceManager.Failure {
                    if f.isTransient { throw RetryLater(f.description) }
                    throw ToolFailure(f.description)
                }
                if answer.status >= 500 || answer.status == 429 {
                    throw RetryLater("\(endpoint) on '\(slug)' answered \(answer.status): \(answer.output.text.prefix(500))")
                }
                if answer.status >= 400 {
                    throw ToolFailure("\(endpoint) on '\(slug)' answered \(answer.status): \(answer.output.text.prefix(2000))")
                }
                return answer.json
            },
            Tool(name: "skip_step", description: "Record that a step was skipped because its condition (If …, When …) does not hold for this input.",
                 parameters: ["type": "object", "properties": ["step": ["type": "integer", "minimum": 1], "reason": ["type": "string", "minLength": 1, "maxLength": 1000]],
                              "required": ["step", "reason"]]) { input, _ in
                ["skipped": input["step"] ?? .null, "reason": input["reason"] ?? .null]
            },
            Tool(name: "report", description: "Finish the run: its status and a short summary of what was done.",
                 parameters: ["type": "object", "properties": ["status": ["type": "string", "enum": ["succeeded", "failed"]],
                                                               "summary": ["type": "string", "minLength": 1, "maxLength": 4000]],
                              "required": ["status", "summary"]], ReportInput.self) { input, _ in
                state.setReport(ok: input.status == .succeeded, summary: input.summary)
                return ["recorded": true]
            },
        ]
    }
}

/// What one attempt of a run has gathered so far.
final class RunState: Sendable {
    struct Report { var ok: Bool; var summary: String }
    private let box: Locked<(position: Int, report: Report?)>

    init(position: Int) { box = Locked((position, nil)) }

    /// The number of the step now executing (1-based, counting the replayed ones).
    var position: Int { box.withLock { $0.position } }
    func advance() { box.withLock { $0.position += 1 } }
    var report: Report? { box.withLock { $0.report } }
    func setReport(ok: Bool, summary: String) { box.withLock { $0.report = Report(ok: ok, summary: summary) } }
}

/// Records each tool call as a step as it completes (`ToolStep`, with whether it may be retried), and relays progress
/// to the feed.
final class Recorder: Sendable {
    let run: String
    let owner: String
    let runs: RunStore
    let feed: RunFeed
    let state: RunState

    init(run: String, owner: String, runs: RunStore, feed: RunFeed, state: RunState) {
        self.run = run
        self.owner = owner
        self.runs = runs
        self.feed = feed
        self.state = state
    }

    var emit: @Sendable (AgentEvent) async -> Void {
        { event in self.handle(event) }
    }

    var onStep: @Sendable (ToolStep) async -> Void {
        { step in self.record(step) }
    }

    func handle(_ event: AgentEvent) {
        switch event {
        case .toolCall(_, let name, let arguments):
            state.advance()
            feed.publish(run, "step_started", ["tool": .string(name), "input": JSONValue.parse(arguments) ?? .string(arguments)])
        case .text(let t):
            feed.publish(run, "text", ["text": .string(t)])
        default:
            break
        }
    }

    func record(_ s: ToolStep) {
        let input = JSONValue.parse(s.arguments.isEmpty ? "{}" : s.arguments) ?? .object([:])
        if let step = try? runs.record(run, owner: owner, tool: s.name, input: input, output: s.output, ok: s.ok, retryable: s.retryable,
                                       started: Clock.iso8601(s.started), ms: s.ms) {
            feed.publish(run, "step", step.json)
        }
    }
}

struct CallEndpointInput: ToolInput { let service: String; let endpoint: String; let input: JSONValue? }
struct ReportInput: ToolInput { let status: RunStatus.Outcome; let summary: String }
