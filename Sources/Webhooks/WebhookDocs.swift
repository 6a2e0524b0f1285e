import Core
import HTTPServer

/// The documentation of `/api/v1/webhooks…` (bodies declared here are enforced).
public enum WebhookDocs {
    static let tag = "Webhooks"
    static let id = ["id": "The webhook's id."]
    static let webhook = DocSchema.object(["id": DocSchema.string(), "url": DocSchema.string(format: "uri"), "events": DocSchema.array(DocSchema.string()),
                                        "created": DocSchema.string()], required: ["id", "url", "events"])

    public static let list = RouteDoc("List webhooks", tag: tag,
        responses: [ResponseDoc(200, "The webhooks and the events one can subscribe to.",
                                DocSchema.object(["webhooks": DocSchema.array(webhook), "events": DocSchema.array(DocSchema.string())]))])
    public static let create = RouteDoc("Register a webhook", tag: tag,
        description: "Deliveries are signed with the secret answered here, once.",
        body: RequestBody(DocSchema.object(["url": DocSchema.string("An http(s) URL.", minLength: 1),
                                         "events": DocSchema.array(DocSchema.string(oneOf: WebhookStore.events), minItems: 1)], required: ["url", "events"])),
        responses: [ResponseDoc(201, "Registered; `secret` is shown this once.", webhook)])
    public static let delete = RouteDoc("Delete a webhook", tag: tag, parameters: id, responses: [.noContent("Deleted.")])
    public static let deliveries = RouteDoc("List a webhook's deliveries", tag: tag, parameters: id,
                                            responses: [ResponseDoc(200, "Recent deliveries with their attempts.", DocSchema.list("deliveries", DocSchema.object()))])
    public static let test = RouteDoc("Send a test ping", tag: tag, parameters: id,
                                      responses: [ResponseDoc(202, "Queued.", DocSchema.object(["queued": DocSchema.boolean()]))])
}
