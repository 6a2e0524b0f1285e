import Core
import Crypto
import Foundation
import Processes
import HTTPClient
import HTTPServer
import Secrets
import Services
import Workflows

/// `/api/v1/services…`, `/api/v1/secrets…` and the `/internal` notification endpoint.
public final class PlatformRoutes: Sendable {
    let manager: ServiceManager
    let secrets: SecretStore
    let urls: ServiceURLs
    let logger: Logger
    /// Where a trigger's events go: the active workflow it belongs to, and the durable run queue.
    let workflows: WorkflowStore
    let runs: RunStore
    /// Tells the run queue that a run was queued.
    let queued: @Sendable () -> Void

    public init(manager: ServiceManager, secrets: SecretStore, urls: ServiceURLs, logger: Logger,
                workflows: WorkflowStore, runs: RunStore, queued: @escaping @Sendable () -> Void = {}) {
        self.queued = queued
        self.workflows = workflows
        self.runs = runs
        self.manager = manager
        self.secrets = secrets
        self.urls = urls
        self.logger = logger
    }

    func render(_ s: ServiceRecord) throws -> JSONValue {
        let names = Set(try secrets.names())
        return ServiceJSON.service(s, endpoints: try manager.store.endpoints(s.id), versions: try manager.store.versions(s.id),
                                   urls: urls, secretSet: { names.contains($0) }, placement: try manager.placements?.placement(of: s.id))
    }

    /// The service as the API shows it, read on the database's threads (its endpoints, versions and secrets).
    func respond(_ s: ServiceRecord, status: Int = 200) async throws -> Response {
        respond(json: try await manager.store.reading { [self] in try render(s) }, status: status)
    }

    func respond(json: JSONValue, status: Int = 200) -> Response {
        Response(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: .bytes(json.bytes))
    }

    public func install(_ r: inout Router) {
        // The reads most often polled (the dashboard, clients waiting for a status) run on the database's threads.
        r.get("/api/v1/services", ServiceDocs.list) { [self] _ in
            let all = try await manager.store.reading { [self] in try manager.store.all().map(render) }
            return respond(json: .object(["services": .array(all)]))
        }
        r.post("/api/v1/services", ServiceDocs.create) { [self] req in
            let body = try PlatformRoutes.json(req)
            let slug = body["slug"]?.string ?? ""
            let start = body["start"]?.bool ?? true
            if let dir = body["directory"]?.string {
                return try await respond(try await manager.create(slug: slug, directory: dir, start: start), status: 201)
            }
            return try await respond(try await manager.create(slug: slug, files: try PlatformRoutes.files(body), start: start), status: 201)
        }
        r.get("/api/v1/services/:id", ServiceDocs.get) { [self] req in
            let id = try req.require("id")
            guard let json = try await manager.store.reading({ [self] in try manager.store.find(id).map(render) }) else { try notFound(req) }
            return respond(json: json)
        }
        r.patch("/api/v1/services/:id", ServiceDocs.update) { [self] req in
            try await respond(try await manager.update(req.require("id"), files: try PlatformRoutes.files(try PlatformRoutes.json(req))))
        }
        r.delete("/api/v1/services/:id", ServiceDocs.delete) { [self] req in
            try await manager.delete(req.require("id"))
            return Response(status: 204)
        }
        for action in ["start", "stop", "restart", "archive"] {
            r.post("/api/v1/services/:id/\(action)", ServiceDocs.actions[action]!) { [self] req in
                let id = try req.require("id")
                switch action {
                case "stop": return try await respond(try await manager.stop(id))
                case "archive": return try await respond(try await manager.archive(id))
                default: return try await respond(try await manager.start(id))
                }
            }
        }
        r.post("/api/v1/services/:id/move", ServiceDocs.move) { [self] req in try await respond(try await manager.move(req.require("id"))) }
        r.post("/api/v1/services/:id/rollback", ServiceDocs.rollback) { [self] req in
            guard let version = try PlatformRoutes.json(req)["version"]?.int else {
                throw HTTPError(400, code: "missing_field", message: "Field 'version' is required: the version number to roll back to.")
            }
            return try await respond(try await manager.rollback(req.require("id"), to: version))
        }
        r.get("/api/v1/services/:id/logs", ServiceDocs.logs) { [self] req in try await logs(req) }
        r.get("/api/v1/services/:id/download", ServiceDocs.download) { [self] req in try await download(req) }
        r.get("/api/v1/services/:id/endpoints", ServiceDocs.endpoints) { [self] req in
            let id = try req.require("id"), store = manager.store
            guard let endpoints = try await store.reading({ try store.find(id).map { try store.endpoints($0.id) } }) else { try notFound(req) }
            return .jsonValue(["endpoints": .array(endpoints.map(ServiceJSON.endpoint))])
        }
        r.post("/api/v1/services/:id/endpoints", ServiceDocs.addEndpoint) { [self] req in
            let id = try req.require("id"), store = manager.store
            guard let s = try await store.reading({ try store.find(id) }) else { try notFound(req) }
            let body = try PlatformRoutes.json(req)
            guard let method = body["method"]?.string?.uppercased(), ["GET", "POST", "PUT", "DELETE", "PATCH"].contains(method) else {
                throw HTTPError(400, code: "invalid_field", message: "Field 'method' must be GET, POST, PUT, DELETE or PATCH.")
            }
            guard let path = body["path"]?.string, path.hasPrefix("/"), !path.contains(".."), path.count <= 512 else {
                throw HTTPError(400, code: "invalid_field", message: "Field 'path' must start with '/' and not contain '..'.")
            }
            let schema = body["inputSchema"]
            if let schema, schema.object == nil { throw HTTPError(400, code: "invalid_field", message: "Field 'inputSchema' must be a JSON Schema object.") }
            let e = EndpointRecord(id: UUID().uuidString.lowercased(), serviceID: s.id, method: method, path: path,
                                   description: body["description"]?.string ?? "", inputSchema: schema, source: "api")
            do { try await store.db.asyncWriting { try store.addEndpoint(e) } } catch {
                throw HTTPError(409, code: "exists", message: "\(method) \(path) is already registered on '\(s.slug)'.")
            }
            return .jsonValue(ServiceJSON.endpoint(e), status: 201)
        }
        r.post("/api/v1/services/:id/endpoints/:endpoint/call", ServiceDocs.call) { [self] req in try await call(req) }
        installSecrets(&r)
    }

    /// The services' callback. Served alone on a loopback listener of its own (see Application), which is the
    /// only platform address a service may reach: the API and the Pieces-compatible routes stay out of its sandbox.
    public func installInternal(_ r: inout Router) {
        r.post("/internal/services/:slug/events") { [self] req in try await notify(req) }
    }

    func notFound(_ req: Request) throws -> Never {
        throw HTTPError.notFound("No service '\(try req.require("id"))'. List them with GET /api/v1/services.")
    }

    static func json(_ req: Request) throws -> JSONValue {
        guard let v = JSONValue.parse(req.body), v.object != nil else {
            throw HTTPError(400, code: "invalid_json", message: "Send a JSON object.")
        }
        return v
    }

    /// `{"files": {"main.ts": "…", "service.json": "…" or {…}}}`.
    static func files(_ body: JSONValue) throws -> [String: [UInt8]] {
        guard let files = body["files"]?.object, !files.isEmpty else {
            throw HTTPError(400, code: "missing_field", message: "Field 'files' is required: {\"main.ts\": \"…\", \"service.json\": {…}}.")
        }
        var out: [String: [UInt8]] = [:]
        for (path, content) in files {
            switch content {
            case .string(let s): out[path] = Array(s.utf8)
            case .object: out[path] = content.bytes
            default: throw HTTPError(400, code: "invalid_field", message: "files.\(path) must be the file's text.")
            }
        }
        return out
    }

    // MARK: logs, download, endpoint calls, notifications

    func logs(_ req: Request) async throws -> Response {
        let log = try await manager.logs(req.require("id"))
        let tail = min(5000, max(0, Int(req.query["tail"] ?? "200") ?? 200))
        guard req.query["follow"] == "1" || req.query["follow"] == "true" else {
            return .jsonValue(["lines": .array(log.tail(tail).map { .string($0) })])
        }
        let lines = log.tail(tail)
        let stream = log.follow()
        return Response(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")]),
                        body: .stream(length: nil) { w in
                            for line in lines { try await w.writeEvent(data: line) }
                            for await line in stream { try await w.writeEvent(data: line) }
                        })
    }

    func download(_ req: Request) async throws -> Response {
        let id = try req.require("id"), store = manager.store
        guard let s = try await store.reading({ try store.find(id) }) else { try notFound(req) }
        let dir = manager.files.liveDirectory(s.slug)
        let data: Data? = await Blocking.run {
            let p = ChildProcess()
            p.executableURL = URL(fileURLWithPath: "/bin/tar")
            p.arguments = ["-czf", "-", "--exclude=./data", "--exclude=./.*", "-C", dir, "."]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return nil }
            let d = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return p.terminationStatus == 0 ? d : nil
        }
        guard let data else { throw HTTPError(500, code: "archive_failed", message: "Could not archive the service's files (is tar installed?).") }
        return Response(status: 200, headers: HTTPHeaders([("Content-Type", "application/gzip"),
                                                           ("Content-Disposition", "attachment; filename=\"\(s.slug)-v\(s.currentVersion).tar.gz\"")]),
                        body: .bytes(Array(data)))
    }

    /// Calls one endpoint with input validated against its schema (the same call the Events agent makes).
    func call(_ req: Request) async throws -> Response {
        let body = req.body.isEmpty ? JSONValue.object([:]) : try PlatformRoutes.json(req)
        let answer = try await manager.call(service: req.require("id"), endpoint: req.require("endpoint"), input: body["input"] ?? .object([:]))
        return .jsonValue(answer.json)
    }

    /// A trigger service reports an event: authenticated by its own token, recorded, answered 202.
    func notify(_ req: Request) async throws -> Response {
        let slug = try req.require("slug"), store = manager.store
        guard let s = try await store.reading({ try store.find(slug) }), s.kind == "trigger" else {
            throw HTTPError.notFound("No trigger service '\(slug)'.")
        }
        let presented = req.headers["Authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
        guard Digest.constantTimeEqual(Array(presented.utf8), Array(s.token.utf8)) else {
            throw HTTPError(401, code: "unauthorized", message: "Send the service's token as 'Authorization: Bearer $OPENPIECES_SERVICE_TOKEN'.")
        }
        guard req.body.count <= 1_048_576 else { throw HTTPError(413, code: "too_large", message: "Events are limited to 1 MiB.") }
        let body = try PlatformRoutes.json(req)
        guard let event = body["event"]?.string, !event.isEmpty, event.count <= 200 else {
            throw HTTPError(400, code: "missing_field", message: "Field 'event' is required: the event's name.")
        }
        let key = (req.headers["Idempotency-Key"] ?? body["idempotencyKey"]?.string).flatMap { $0.isEmpty || $0.count > 200 ? nil : $0 }
        // On the writer's thread: the workflow is looked up where the run is queued.
        let accepted = try await runs.db.asyncWriting { [workflows, runs] in
            guard let workflow = try workflows.all().first(where: { $0.trigger == s.slug && $0.status == .active }) else {
                throw HTTPError(409, code: "no_active_workflow",
                                message: "Trigger '\(s.slug)' is not in an active workflow, so nothing would run. Create one with POST /api/v1/workflows.")
            }
            return try runs.acceptEvent(serviceID: s.id, workflow: workflow.slug, event: event, payload: body["payload"] ?? .null, idempotencyKey: key)
        }
        if !accepted.duplicate { queued() }
        logger.info("service.event", ["service": s.slug, "event": event, "run": accepted.runID, "duplicate": "\(accepted.duplicate)"])
        return .jsonValue(["accepted": true, "runId": .string(accepted.runID), "eventId": .string(accepted.eventID),
                           "duplicate": .bool(accepted.duplicate)], status: 202)
    }
}
