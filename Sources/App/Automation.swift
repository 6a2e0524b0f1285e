import Agents
import Core
import Events
import Foundation
import HTTPServer
import LLM
import PlatformAPI
import Services
import Store
import Workflows

/// Workflows, tasks and runs wired together: the stores, the Events agent's run queue, the scheduler, their routes
/// and the Orchestrator's tools for them.
final class Automation: Sendable {
    let workflows: WorkflowStore
    let tasks: TaskStore
    let runs: RunStore
    let feed: RunFeed
    let queue: RunQueue
    let scheduler: Scheduler
    let usage: UsageLedger

    init(database: Database, services: ServiceManager, registry: ToolRegistry, logger: Logger, limits: RunLimits, usage: UsageLedger,
         node: String, events: StoreEvents? = nil, provider: @escaping @Sendable () -> (any LLMProvider, String?)) {
        feed = RunFeed(events: events)
        workflows = WorkflowStore(db: database, services: services.store)
        tasks = TaskStore(db: database)
        runs = RunStore(db: database)
        self.usage = usage
        let agent = EventsAgent(services: services, workflows: workflows, runs: runs, feed: feed, registry: registry, limits: limits, usage: usage,
                                provider: provider)
        let queue = RunQueue(runs: runs, agent: agent, feed: feed, limits: limits, logger: logger, node: node)
        self.queue = queue
        // Replicas on one store: the scheduler runs on the one holding the lease (firing is keyed by occurrence anyway,
        // so a hand-over can neither lose nor repeat one).
        scheduler = Scheduler(tasks: tasks, logger: logger, leadership: Leadership(database, name: "scheduler")) { _ in queue.wake() }
    }

    func install(_ router: inout Router) {
        WorkflowRoutes.install(&router, store: workflows, tasks: tasks)
        RunRoutes.install(&router, runs: runs, queue: queue, feed: feed, workflows: workflows, usage: usage)
    }

    func start() {
        queue.start()
        scheduler.start()
    }

    func shutdown() async {
        scheduler.shutdown()
        await queue.shutdown()
    }

    /// The Orchestrator's tools for workflows, tasks and runs.
    static func tools(workflows: WorkflowStore, tasks: TaskStore, runs: RunStore, wake: @escaping @Sendable () -> Void) -> [Tool] {
        [
            Tool(name: "workflows_list", description: "List workflows: trigger, linked actions, steps, status.",
                 parameters: ["type": "object", "properties": [:]]) { _, _ in
                ["workflows": .array(try workflows.all().map(\.json))]
            },
            Tool(name: "workflow_save", description: "Create or update a workflow: slug, title, trigger service (optional), action services, ordered natural-language steps.",
                 parameters: ["type": "object", "properties": [
                     "slug": ["type": "string"], "title": ["type": "string"], "description": ["type": "string"],
                     "trigger": ["type": "string"], "actions": ["type": "array", "items": ["type": "string"]],
                     "steps": ["type": "array", "items": ["type": "string"], "minItems": 1]], "required": ["slug", "steps"]]) { input, _ in
                do { return try workflows.save(input, allowReplace: true).json } catch let e as WorkflowStore.Invalid { throw ToolFailure(e.description) }
            },
            Tool(name: "workflow_run", description: "Run a workflow now with an input (queued; returns the run id).",
                 parameters: ["type": "object", "properties": ["slug": ["type": "string"], "input": ["type": "object"]], "required": ["slug"]],
                 WorkflowRunInput.self) { input, _ in
                guard let w = try workflows.get(input.slug), w.status == .active else {
                    throw ToolFailure("No active workflow '\(input.slug)'. List them with workflows_list.")
                }
                let run = try runs.enqueue(workflow: w.slug, input: input.input ?? .object([:]))
                wake()
                return ["run": .string(run.id), "status": .string(run.status.rawValue)]
            },
            Tool(name: "run_wait",
                 description: "Wait (up to timeout_seconds, default 30) for a run to finish, then return it with every step: what each call sent and got. Use it to verify a workflow end to end.",
                 parameters: ["type": "object", "properties": ["run_id": ["type": "string", "minLength": 1],
                                                               "timeout_seconds": ["type": "number", "minimum": 1, "maximum": 120]],
                              "required": ["run_id"]], RunWaitInput.self) { input, _ in
                let id = input.run_id
                let deadline = Date().addingTimeInterval(input.timeout_seconds ?? 30)
                while true {
                    guard let run = try runs.get(id) else { throw ToolFailure("No run '\(id)'. List runs with runs_list.") }
                    if run.isFinished || Date() >= deadline {
                        var o = run.json.object ?? [:]
                        o["steps"] = .array(try runs.steps(id).map(\.json))
                        if !run.isFinished { o["waited"] = .string("the run is still \(run.status); wait again or check later") }
                        return .object(o)
                    }
                    try await Task.sleep(nanoseconds: 100_000_000)
                }
            },
            Tool(name: "runs_list", description: "Recent runs of a workflow (or all): status, error, report.",
                 parameters: ["type": "object", "properties": ["workflow": ["type": "string"]]]) { input, _ in
                var f = RunStore.Filter()
                f.workflow = input["workflow"]?.string
                f.limit = 20
                return ["runs": .array(try runs.list(f).map(\.json))]
            },
            Tool(name: "task_create", description: "Schedule a workflow: a 5-field cron expression (or @daily…) in an IANA time zone, or one ISO-8601 instant.",
                 parameters: ["type": "object", "properties": ["workflow": ["type": "string"], "schedule": ["type": "string"],
                                                               "at": ["type": "string"], "timezone": ["type": "string"]], "required": ["workflow"]]) { input, _ in
                do {
                    let t = try tasks.create(input)
                    return ["task": t.json, "next": .array(try tasks.preview(t, count: 3).map { .string($0) })]
                } catch let e as WorkflowStore.Invalid { throw ToolFailure(e.description) }
            },
            Tool(name: "task_update", description: "Change a task: its cron schedule (or one instant 'at'), time zone, missed-run policy (skip or run_once), enabled.",
                 parameters: ["type": "object", "properties": ["id": ["type": "string"], "schedule": ["type": "string"], "at": ["type": "string"],
                                                               "timezone": ["type": "string"], "missed": ["type": "string", "enum": ["skip", "run_once"]],
                                                               "enabled": ["type": "boolean"]], "required": ["id"]], TaskUpdateInput.self) { input, _ in
                do {
                    guard let t = try tasks.update(input.id, input.changes) else { throw ToolFailure("No task '\(input.id)'. List them with tasks_list.") }
                    return ["task": t.json, "next": .array(try tasks.preview(t, count: 3).map { .string($0) })]
                } catch let e as WorkflowStore.Invalid { throw ToolFailure(e.description) }
            },
            Tool(name: "tasks_list", description: "List scheduled tasks with their next run.",
                 parameters: ["type": "object", "properties": [:]]) { _, _ in
                ["tasks": .array(try tasks.all().map(\.json))]
            },
        ]
    }
}

/// One `openpieces serve` per data directory: two would run each service, task and run twice.
enum DataDirectoryLock {
    nonisolated(unsafe) private static var held: Int32 = -1

    static func acquire(home: String) throws {
        let path = (home as NSString).appendingPathComponent("serve.lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StartupError("cannot open \(path): \(String(cString: strerror(errno))). Check the data directory's permissions.") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StartupError("another `openpieces serve` is using the data directory \(home). Stop it first, or choose another with --home.")
        }
        held = fd
    }

    /// Whether a server is using `home` now (for commands that must not copy a store while it changes).
    static func isHeld(home: String) -> Bool {
        let fd = open((home as NSString).appendingPathComponent("serve.lock"), O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
    }
}

struct WorkflowRunInput: ToolInput { let slug: String; let input: JSONValue? }
// The field names are the tool's JSON Schema's.
struct RunWaitInput: ToolInput { let run_id: String; let timeout_seconds: Double? }
struct TaskUpdateInput: ToolInput {
    let id: String
    let schedule: String?
    let at: String?
    let timezone: String?
    let missed: String?
    let enabled: Bool?

    /// The fields given, as the task store's patch.
    var changes: JSONValue {
        var o: [String: JSONValue] = [:]
        if let schedule { o["schedule"] = .string(schedule) }
        if let at { o["at"] = .string(at) }
        if let timezone { o["timezone"] = .string(timezone) }
        if let missed { o["missed"] = .string(missed) }
        if let enabled { o["enabled"] = .bool(enabled) }
        return .object(o)
    }
}
