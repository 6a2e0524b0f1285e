import Core
import HTTPServer

/// `/api/v1/webhooks` (admin): register, list, delete, deliveries with their attempts, and a test ping.
public enum WebhookRoutes {
    public static func install(_ r: inout Router, store: WebhookStore, dispatcher: WebhookDispatcher) {
        r.get("/api/v1/webhooks", WebhookDocs.list) { _ in Response.jsonValue(["webhooks": .array(try store.all().map(\.json)), "events": .array(WebhookStore.events.map { .string($0) })]) }
        r.post("/api/v1/webhooks", WebhookDocs.create) { req in
            guard let body = JSONValue.parse(req.body) else {
                throw HTTPError(400, code: "invalid_json", message: "Send {\"url\": \"https://…\", \"events\": [\"run.failed\"]}.")
            }
            let (hook, secret) = try store.create(url: body["url"]?.string ?? "", events: (body["events"]?.array ?? []).compactMap(\.string))
            var out = hook.json.object ?? [:]
            out["secret"] = .string(secret)
            return Response.jsonValue(.object(out), status: 201)
        }
        r.delete("/api/v1/webhooks/:id", WebhookDocs.delete) { req in
            let id = try req.require("id")
            guard try store.delete(id) else { throw HTTPError.notFound("No webhook '\(id)'.") }
            return Response(status: 204)
        }
        r.get("/api/v1/webhooks/:id/deliveries", WebhookDocs.deliveries) { req in
            let id = try req.require("id")
            guard try store.get(id) != nil else { throw HTTPError.notFound("No webhook '\(id)'.") }
            return Response.jsonValue(["deliveries": .array(try store.deliveries(id))])
        }
        r.post("/api/v1/webhooks/:id/test", WebhookDocs.test) { req in
            let id = try req.require("id")
            guard try store.get(id) != nil else { throw HTTPError.notFound("No webhook '\(id)'.") }
            try dispatcher.ping(id)
            return Response.jsonValue(["queued": true], status: 202)
        }
    }
}

extension WebhookStore.Invalid: HTTPResponseError {
    public var status: Int { 400 }
    public var code: String { "invalid_webhook" }
    public var message: String { description }
}
