import Agents
import Core
import Events
import Foundation
import HTTPServer
import Workflows

/// `/api/v1/runs`: the history of workflow runs, live progress over SSE, cancel and re-run; manual runs of a workflow.
public enum RunRoutes {

    public static func install(_ r: inout Router, runs: RunStore, queue: RunQueue, feed: RunFeed, workflows: WorkflowStore, usage: UsageLedger) {
        // Every handler awaits its SQLite work on the database's threads: readers for reads, the writer for changes.
        let db = runs.db
        r.get("/api/v1/runs", AutomationDocs.listRuns) { req in
            var f = RunStore.Filter()
            f.workflow = req.query["workflow"]
            f.task = req.query["task"]
            if let s = req.query["status"] {
                guard let status = RunStatus(rawValue: s) else {
                    let names = RunStatus.allCases.map(\.rawValue).sorted().joined(separator: ", ")
                    throw HTTPError(400, code: "invalid_query", message: "status must be one of \(names).")
                }
                f.status = status
            }
            for (name, value) in [("since", req.query["since"]), ("until", req.query["until"])] {
                guard let value else { continue }
                guard let d = Clock.date(iso8601: value) else {
                    throw HTTPError(400, code: "invalid_query", message: "\(name) must be an ISO-8601 instant such as 2026-11-23T08:00:00Z.")
                }
                if name == "since" { f.since = Clock.iso8601(d) } else { f.until = Clock.iso8601(d) }
            }
            if let l = req.query["limit"] {
                guard let n = Int(l), (1...1000).contains(n) else { throw HTTPError(400, code: "invalid_query", message: "limit must be 1 to 1000.") }
                f.limit = n
            }
            let filter = f
            return .jsonValue(["runs": .array(try await db.asyncReading { try runs.list(filter).map(\.json) })])
        }
        r.get("/api/v1/runs/:id", AutomationDocs.getRun) { req in
            .jsonValue(try await db.asyncReading {
                let run = try require(runs, req)
                var d = detail(run, steps: try runs.steps(run.id))
                if case .object(var o) = d { o["usage"] = try usage.totals(run: run.id).json; d = .object(o) }
                return d
            })
        }
        r.get("/api/v1/runs/:id/events", AutomationDocs.runEvents) { req in
            let first = try await db.asyncReading { try require(runs, req) }
            // Follow before reading, so nothing falls between the snapshot and the live events.
            let live = first.isFinished ? nil : feed.follow(first.id)
            let (run, steps) = try await db.asyncReading { () throws -> (RunRecord, [RunStep]) in
                let run = try runs.get(first.id) ?? first
                return (run, try runs.steps(run.id))
            }
            let seen = steps.last?.seq ?? 0
            return Response(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")]),
                            body: .stream(length: nil) { w in
                                try await w.writeEvent(data: detail(run, steps: steps).text, event: "run")
                                guard let live, !run.isFinished else {
                                    try await w.writeEvent(data: run.json.text, event: "done")
                                    return
                                }
                                for await e in live {
                                    if e.name == "step", (e.data["seq"]?.int ?? 0) <= seen { continue }
                                    try await w.writeEvent(data: e.data.text, event: e.name)
                                }
                            })
        }
        r.post("/api/v1/runs/:id/cancel", AutomationDocs.cancelRun) { req in
            .jsonValue(try await db.asyncWriting {
                let before = try require(runs, req)
                guard !before.isFinished else {
                    throw HTTPError(409, code: "finished", message: "Run \(before.id) has already \(before.status); nothing to cancel. Re-run it with POST /api/v1/runs/\(before.id)/rerun.")
                }
                guard let after = try queue.cancel(before.id) else { throw HTTPError.notFound("No run '\(before.id)'.") }
                return after.json
            })
        }
        r.post("/api/v1/runs/:id/rerun", AutomationDocs.rerun) { req in
            let run = try await db.asyncWriting {
                let old = try require(runs, req)
                guard try workflows.get(old.workflow) != nil else {
                    throw HTTPError(409, code: "no_workflow", message: "Workflow '\(old.workflow)' no longer exists, so the run cannot be repeated.")
                }
                return try runs.enqueue(workflow: old.workflow, input: old.input, rerunOf: old.id)
            }
            queue.wake()
            return .jsonValue(run.json, status: 201)
        }
        r.post("/api/v1/workflows/:slug/run", AutomationDocs.runWorkflow) { req in
            let slug = try req.require("slug")
            guard let w = try await db.asyncReading({ try workflows.get(slug) }) else { throw HTTPError.notFound("No workflow '\(slug)'.") }
            guard w.status == .active else {
                throw HTTPError(409, code: "archived", message: "Workflow '\(slug)' is archived. Set its status to active (PATCH) to run it.")
            }
            let body = req.body.isEmpty ? JSONValue.object([:]) : try PlatformRoutes.json(req)
            let input = body["input"] ?? .object([:])
            guard input.text.utf8.count <= 1_048_576 else { throw HTTPError(413, code: "too_large", message: "A run's input is limited to 1 MiB.") }
            let run = try await db.asyncWriting { try runs.enqueue(workflow: slug, input: input) }
            queue.wake()
            return .jsonValue(run.json, status: 202)
        }
    }

    static func require(_ runs: RunStore, _ req: Request) throws -> RunRecord {
        let id = try req.require("id")
        guard let run = try runs.get(id) else {
            throw HTTPError.notFound("No run '\(id)'. List them with GET /api/v1/runs.")
        }
        return run
    }

    static func detail(_ run: RunRecord, steps: [RunStep]) -> JSONValue {
        var o = run.json.object ?? [:]
        o["steps"] = .array(steps.map(\.json))
        return .object(o)
    }
}
