import Core
import HTTPServer
import Workflows

/// The documentation of `/api/v1/workflows…`, `/api/v1/tasks…` and `/api/v1/runs…` (bodies declared here are enforced).
public enum AutomationDocs {
    static let workflows = "Workflows", tasks = "Tasks", runs = "Runs"
    static let slug = ["slug": "The workflow's slug."]
    static let taskID = ["id": "The task's id."]
    static let runID = ["id": "The run's id."]

    public static let workflow = DocSchema.object([
        "slug": DocSchema.string(), "title": DocSchema.string(), "description": DocSchema.string(), "trigger": DocSchema.string(nullable: true),
        "actions": DocSchema.array(DocSchema.string()), "steps": DocSchema.array(DocSchema.string()), "status": DocSchema.string(oneOf: ["active", "archived"]),
        "created": DocSchema.string(), "updated": DocSchema.string(),
    ], required: ["slug", "steps", "status"])

    /// What a workflow is saved from; on PATCH every field is optional.
    static func workflowFields(requireSlug: Bool) -> JSONValue {
        DocSchema.object([
            "slug": DocSchema.string("[a-z0-9-], 1–48 characters.", minLength: 1, maxLength: 48), "title": DocSchema.string(maxLength: 200),
            "description": DocSchema.string(), "trigger": DocSchema.string("The trigger service's slug, or null.", nullable: true),
            "actions": DocSchema.array(DocSchema.string(), description: "The action services' slugs."),
            "steps": DocSchema.array(DocSchema.string(), description: "Ordered natural-language steps."),
            "status": DocSchema.string(oneOf: ["active", "archived"]),
        ], required: requireSlug ? ["slug"] : [])
    }

    static let taskFields: [String: JSONValue] = [
        "schedule": DocSchema.string("A 5-field cron expression or @daily…", nullable: true),
        "at": DocSchema.string("One ISO-8601 instant, instead of a schedule.", nullable: true),
        "timezone": DocSchema.string("An IANA time zone (default UTC)."), "missed": DocSchema.string(oneOf: ["skip", "run_once"]), "enabled": DocSchema.boolean(),
    ]

    public static let task = DocSchema.object([
        "id": DocSchema.string(), "workflow": DocSchema.string(), "schedule": DocSchema.string(nullable: true), "at": DocSchema.string(nullable: true),
        "timezone": DocSchema.string(), "enabled": DocSchema.boolean(), "missed": DocSchema.string(), "lastRun": DocSchema.string(nullable: true),
        "nextRun": DocSchema.string(nullable: true), "created": DocSchema.string(), "description": DocSchema.string(),
        "preview": DocSchema.array(DocSchema.string(), description: "The next run times."),
    ], required: ["id", "workflow"])

    public static let run = DocSchema.object([
        "id": DocSchema.string(), "workflow": DocSchema.string(), "cause": DocSchema.string(), "status": DocSchema.string(oneOf: RunStatus.allCases.map(\.rawValue)),
        "input": DocSchema.any("The run's input."), "attempts": DocSchema.integer(), "created": DocSchema.string(), "error": DocSchema.string(nullable: true),
        "report": DocSchema.string(nullable: true), "steps": DocSchema.array(DocSchema.object(), description: "Its tool calls, in order (detail only)."),
    ], required: ["id", "workflow", "status"])

    public static let listWorkflows = RouteDoc("List workflows", tag: workflows, responses: [ResponseDoc(200, "Every workflow.", DocSchema.list("workflows", workflow))])
    public static let createWorkflow = RouteDoc("Create a workflow", tag: workflows, body: RequestBody(workflowFields(requireSlug: true)),
        responses: [ResponseDoc(201, "Created.", workflow), ResponseDoc(409, "It exists.", OpenAPI.errorSchema)])
    public static let importWorkflow = RouteDoc("Import a workflow file", tag: workflows,
        description: "The `workflows/<slug>.json` form: creates or replaces the workflow, and with `tasks`, its schedules.",
        body: RequestBody({
            var o = workflowFields(requireSlug: true).object ?? [:]
            var props = o["properties"]?.object ?? [:]
            props["tasks"] = DocSchema.array(DocSchema.object(taskFields), maxItems: 20)
            o["properties"] = .object(props)
            return .object(o)
        }()),
        responses: [ResponseDoc(200, "The workflow in its file form.", workflow)])
    public static let getWorkflow = RouteDoc("Get a workflow", tag: workflows, parameters: slug, responses: [ResponseDoc(200, "The workflow.", workflow)])
    public static let exportWorkflow = RouteDoc("Export a workflow file", tag: workflows, parameters: slug,
                                                responses: [ResponseDoc(200, "The workflow and its schedules, as a download.", workflow)])
    public static let updateWorkflow = RouteDoc("Change a workflow", tag: workflows, parameters: slug, body: RequestBody(workflowFields(requireSlug: false)),
                                                responses: [ResponseDoc(200, "The workflow.", workflow)])
    public static let deleteWorkflow = RouteDoc("Delete a workflow", tag: workflows, parameters: slug, responses: [.noContent("Deleted.")])
    public static let runWorkflow = RouteDoc("Run a workflow now", tag: runs, parameters: slug,
        body: RequestBody(DocSchema.object(["input": DocSchema.any("The run's input (at most 1 MiB).")]), required: false),
        responses: [ResponseDoc(202, "Queued.", run), ResponseDoc(409, "The workflow is archived.", OpenAPI.errorSchema)])

    public static let listTasks = RouteDoc("List scheduled tasks", tag: tasks,
        query: [QueryParameter("workflow", "Only this workflow's tasks.")], responses: [ResponseDoc(200, "The tasks.", DocSchema.list("tasks", task))])
    public static let createTask = RouteDoc("Schedule a workflow", tag: tasks,
        body: RequestBody(DocSchema.object(taskFields.merging(["workflow": DocSchema.string("The workflow's slug.")]) { a, _ in a }, required: ["workflow"])),
        responses: [ResponseDoc(201, "Scheduled, with its next run times.", task)])
    public static let getTask = RouteDoc("Get a task", tag: tasks, parameters: taskID,
        query: [QueryParameter("next", "How many next run times to preview (1–50, default 5).", DocSchema.integer(minimum: 1, maximum: 50))],
        responses: [ResponseDoc(200, "The task.", task)])
    public static let updateTask = RouteDoc("Change a task", tag: tasks, parameters: taskID, body: RequestBody(DocSchema.object(taskFields)),
                                            responses: [ResponseDoc(200, "The task.", task)])
    public static let enableTask = RouteDoc("Enable a task", tag: tasks, parameters: taskID, responses: [ResponseDoc(200, "The task.", task)])
    public static let disableTask = RouteDoc("Disable a task", tag: tasks, parameters: taskID, responses: [ResponseDoc(200, "The task.", task)])
    public static let deleteTask = RouteDoc("Delete a task", tag: tasks, parameters: taskID, responses: [.noContent("Deleted.")])

    public static let listRuns = RouteDoc("List runs", tag: runs, query: [
        QueryParameter("workflow", "Only this workflow's runs."), QueryParameter("task", "Only runs fired by this task."),
        QueryParameter("status", "Only runs in this state.", DocSchema.string(oneOf: RunStatus.allCases.map(\.rawValue))),
        QueryParameter("since", "ISO-8601 instant: runs created at or after.", DocSchema.string(format: "date-time")),
        QueryParameter("until", "ISO-8601 instant: runs created before.", DocSchema.string(format: "date-time")),
        QueryParameter("limit", "1–1000.", DocSchema.integer(minimum: 1, maximum: 1000)),
    ], responses: [ResponseDoc(200, "The runs, newest first.", DocSchema.list("runs", run))])
    public static let getRun = RouteDoc("Get a run", tag: runs, parameters: runID, responses: [ResponseDoc(200, "The run with its steps and usage.", run)])
    public static let runEvents = RouteDoc("Follow a run", tag: runs,
        description: "Server-Sent Events: `run` (the run so far), then `step`… as they happen, and `done`.", parameters: runID,
        responses: [.events("The run's events.")])
    public static let cancelRun = RouteDoc("Cancel a run", tag: runs, parameters: runID,
        responses: [ResponseDoc(200, "Cancelled.", run), ResponseDoc(409, "It has already finished.", OpenAPI.errorSchema)])
    public static let rerun = RouteDoc("Run again", tag: runs, description: "Queues a new run of the same workflow with the same input.", parameters: runID,
        responses: [ResponseDoc(201, "The new run.", run), ResponseDoc(409, "The workflow no longer exists.", OpenAPI.errorSchema)])
}
