import Core
import HTTPServer
import Workflows

/// `/api/v1/workflows`: declarations linking a trigger to action services with ordered steps; import and export as files.
public enum WorkflowRoutes {
    public static func install(_ r: inout Router, store: WorkflowStore, tasks: TaskStore) {
        // Every handler awaits its SQLite work on the database's threads: readers for reads, the writer for changes.
        let db = store.db
        r.get("/api/v1/tasks", AutomationDocs.listTasks) { req in
            let workflow = req.query["workflow"]
            return .jsonValue(["tasks": .array(try await db.asyncReading { try tasks.all(workflow: workflow).map(\.json) })])
        }
        r.post("/api/v1/tasks", AutomationDocs.createTask) { req in
            let body = try PlatformRoutes.json(req)
            let t = try await db.asyncWriting { try tasks.create(body) }
            var out = t.json
            if case .object(var o) = out { o["preview"] = .array(try tasks.preview(t, count: 5).map { .string($0) }); out = .object(o) }
            return .jsonValue(out, status: 201)
        }
        r.get("/api/v1/tasks/:id", AutomationDocs.getTask) { req in
            let id = try req.require("id")
            guard let t = try await db.asyncReading({ try tasks.get(id) }) else { throw HTTPError.notFound("No task '\(id)'.") }
            let count = min(50, max(1, Int(req.query["next"] ?? "5") ?? 5))
            var out = t.json
            if case .object(var o) = out { o["preview"] = .array(try tasks.preview(t, count: count).map { .string($0) }); out = .object(o) }
            return .jsonValue(out)
        }
        r.patch("/api/v1/tasks/:id", AutomationDocs.updateTask) { req in
            let body = try PlatformRoutes.json(req)
            let id = try req.require("id")
            guard let t = try await db.asyncWriting({ try tasks.update(id, body) }) else { throw HTTPError.notFound("No task '\(id)'.") }
            var out = t.json.object ?? [:]
            out["preview"] = .array(try tasks.preview(t, count: 5).map { .string($0) })
            return .jsonValue(.object(out))
        }
        for (action, enabled) in [("enable", true), ("disable", false)] {
            r.post("/api/v1/tasks/:id/\(action)", enabled ? AutomationDocs.enableTask : AutomationDocs.disableTask) { req in
                let id = try req.require("id")
                guard let t = try await db.asyncWriting({ try tasks.setEnabled(id, enabled) }) else { throw HTTPError.notFound("No task '\(id)'.") }
                return .jsonValue(t.json)
            }
        }
        r.delete("/api/v1/tasks/:id", AutomationDocs.deleteTask) { req in
            let id = try req.require("id")
            guard try await db.asyncWriting({ try tasks.delete(id) }) else { throw HTTPError.notFound("No task '\(id)'.") }
            return Response(status: 204)
        }
        r.get("/api/v1/workflows", AutomationDocs.listWorkflows) { _ in
            .jsonValue(["workflows": .array(try await db.asyncReading { try store.all().map(\.json) })])
        }
        r.post("/api/v1/workflows", AutomationDocs.createWorkflow) { req in
            let body = try PlatformRoutes.json(req)
            return .jsonValue(try await db.asyncWriting { try store.save(body, allowReplace: false).json }, status: 201)
        }
        // Import a `workflows/<slug>.json` file: creates or replaces it, and with `tasks`, sets its schedules.
        r.post("/api/v1/workflows/import", AutomationDocs.importWorkflow) { req in
            let body = try PlatformRoutes.json(req)
            var drafts: [TaskStore.Draft]?
            if let list = body["tasks"] {
                guard let items = list.array, items.count <= 20 else {
                    throw WorkflowStore.Invalid(.invalid, "Field 'tasks' must be a list of at most 20 schedules.")
                }
                let slug = body["slug"]?.string ?? ""
                drafts = try items.enumerated().map { i, t in
                    do { return try tasks.validate(t, workflow: slug) } catch let e as WorkflowStore.Invalid {
                        throw WorkflowStore.Invalid(e.kind, "tasks[\(i)]: \(e.description)")
                    }
                }
            }
            let validated = drafts
            return .jsonValue(try await db.asyncWriting {
                let w = try store.save(body, allowReplace: true)
                if let validated { try tasks.replace(workflow: w.slug, with: validated) }
                return fileForm(w, tasks: try tasks.all(workflow: w.slug))
            })
        }
        r.get("/api/v1/workflows/:slug", AutomationDocs.getWorkflow) { req in
            let slug = try req.require("slug")
            guard let w = try await db.asyncReading({ try store.get(slug) }) else { throw HTTPError.notFound("No workflow '\(slug)'.") }
            return .jsonValue(w.json)
        }
        r.get("/api/v1/workflows/:slug/export", AutomationDocs.exportWorkflow) { req in
            let slug = try req.require("slug")
            let found = try await db.asyncReading { () throws -> (slug: String, form: JSONValue)? in
                try store.get(slug).map { w in (w.slug, fileForm(w, tasks: try tasks.all(workflow: w.slug))) }
            }
            guard let found else { throw HTTPError.notFound("No workflow '\(slug)'.") }
            var resp = Response.jsonValue(found.form)
            resp.headers.add("Content-Disposition", "attachment; filename=\"\(found.slug).json\"")
            return resp
        }
        r.patch("/api/v1/workflows/:slug", AutomationDocs.updateWorkflow) { req in
            let slug = try req.require("slug")
            guard try await db.asyncReading({ try store.get(slug) }) != nil else { throw HTTPError.notFound("No workflow '\(slug)'.") }
            let body = try PlatformRoutes.json(req)
            return .jsonValue(try await db.asyncWriting { try store.save(body, slug: slug, allowReplace: true).json })
        }
        r.delete("/api/v1/workflows/:slug", AutomationDocs.deleteWorkflow) { req in
            let slug = try req.require("slug")
            guard try await db.asyncWriting({ try store.delete(slug) }) else { throw HTTPError.notFound("No workflow '\(slug)'.") }
            return Response(status: 204)
        }
    }

    /// The `workflows/<slug>.json` form: the workflow and its schedules, without timestamps.
    static func fileForm(_ w: Workflow, tasks: [ScheduledTask]) -> JSONValue {
        var o = w.json.object ?? [:]
        o["created"] = nil
        o["updated"] = nil
        if !tasks.isEmpty { o["tasks"] = .array(tasks.map(TaskStore.fileForm)) }
        return .object(o)
    }
}
