import Core
import HTTPServer

/// `/api/v1/webhooks` (admin): register, list, delete, deliveries with their attempts, and a test ping.
/// SQLite runs on the database's threads (`asyncReading`/`asyncWriting`), never on the cooperative pool.
public enum WebhookRoutes {
    public static func install(_ r: inout Router, store: WebhookStore, dispatcher: WebhookDispatcher) {
        let db = store.db
        r.get("/api/v1/webhooks", WebhookDocs.list) { _ in
            let all = try await db.asyncReading { try store.all() }
            return Response.jsonValue(["webhooks": .array(all.map(\.json)), "events": .array(WebhookStore.events.map { .string($0) })])
        }
        r.post("/api/v1/webhooks", WebhookDocs.create) { req in
            guard let body = JSONValue.parse(req.body) else {
                throw HTTPError(400, code: "invalid_json", message: "Send {\"url\": \"https://…\", \"events\": [\"run.failed\"]}.")
            }
            let (url, events) = (body["url"]?.string ?? "", (body["events"]?.array ?? []).compactMap(\.string))
            let (hook, secret) = try await db.asyncWriting { try store.create(url: url, events: events) }
            var out = hook.json.object ?? [:]
            out["secret"] = .string(secret)
            return Response.jsonValue(.object(out), status: 201)
        }
        r.delete("/api/v1/webhooks/:id", WebhookDocs.delete) { req in
            let id = try req.require("id")
            guard try await db.asyncWriting({ try store.delete(id) }) else { throw HTTPError.notFound("No webhook '\(id)'.") }
            return Response(status: 204)
        }
        r.get("/api/v1/webhooks/:id/deliveries", WebhookDocs.deliveries) { req in
            let id = try req.require("id")
            let deliveries = try await db.asyncReading { () throws -> [JSONValue] in
                guard try store.get(id) != nil else { throw HTTPError.notFound("No webhook '\(id)'.") }
                return try store.deliveries(id)
            }
            return Response.jsonValue(["deliveries": .array(deliveries)])
        }
        r.post("/api/v1/webhooks/:id/test", WebhookDocs.test) { req in
            let id = try req.require("id")
            try await db.asyncWriting {
                guard try store.get(id) != nil else { throw HTTPError.notFound("No webhook '\(id)'.") }
                try dispatcher.ping(id)
            }
            return Response.jsonValue(["queued": true], status: 202)
        }
    }
}

extension WebhookStore.Invalid: HTTPResponseError {
    public var status: Int { 400 }
    public var code: String { "invalid_webhook" }
    public var message: String { description }
}
