import Core
import HTTPServer

/// The documentation of `/api/v1/brain…`, `/api/v1/chats…` and `/api/v1/usage` (bodies declared here are enforced).
public enum BrainChatDocs {
    static let brain = "Brain", chats = "Chats"
    static let kinds = ["decision", "fact", "history", "preference", "service"]
    static let entryID = ["id": "The entry's id."]
    static let chatID = ["id": "The chat's id."]

    public static let entry = DocSchema.object([
        "id": DocSchema.string(), "kind": DocSchema.string(oneOf: kinds), "text": DocSchema.string(), "tags": DocSchema.array(DocSchema.string()),
        "confidence": DocSchema.number(), "uses": DocSchema.integer(), "created": DocSchema.string(), "updated": DocSchema.string(),
        "source": DocSchema.string(), "lastUsed": DocSchema.string(), "score": DocSchema.number(), "merged": DocSchema.boolean(),
    ], required: ["id", "kind", "text"])

    static let entryFields: [String: JSONValue] = [
        "kind": DocSchema.string(oneOf: kinds), "text": DocSchema.string(minLength: 1), "tags": DocSchema.array(DocSchema.string()),
        "confidence": DocSchema.number(minimum: 0, maximum: 1),
    ]

    public static let listBrain = RouteDoc("List or search the brain", tag: brain, query: [
        QueryParameter("query", "Full-text search; without it, the newest entries."), QueryParameter("kind", "Only this kind.", DocSchema.string(oneOf: kinds)),
        QueryParameter("tags", "Comma-separated tags, all required."), QueryParameter("limit", "1–500 (default 50).", DocSchema.integer(minimum: 1, maximum: 500)),
        QueryParameter("offset", "Skip this many (without `query`).", DocSchema.integer(minimum: 0)),
    ], responses: [ResponseDoc(200, "The entries.", DocSchema.list("entries", entry))])
    public static let writeBrain = RouteDoc("Write a memory", tag: brain, description: "A near-duplicate of an entry of the same kind is merged into it (200).",
        body: RequestBody(DocSchema.object(entryFields.merging(["source": DocSchema.string()]) { a, _ in a }, required: ["kind", "text"])),
        responses: [ResponseDoc(201, "Written.", entry), ResponseDoc(200, "Merged into an existing entry.", entry)])
    public static let getBrain = RouteDoc("Get a memory", tag: brain, parameters: entryID, responses: [ResponseDoc(200, "The entry.", entry)])
    public static let updateBrain = RouteDoc("Change a memory", tag: brain, parameters: entryID, body: RequestBody(DocSchema.object(entryFields)),
                                             responses: [ResponseDoc(200, "The entry.", entry)])
    public static let deleteBrain = RouteDoc("Forget a memory", tag: brain, parameters: entryID, responses: [.noContent("Deleted.")])

    public static let chat = DocSchema.object([
        "id": DocSchema.string(), "title": DocSchema.string(), "agent": DocSchema.string(oneOf: ["orchestrator", "codegen"]), "model": DocSchema.string(nullable: true),
        "created": DocSchema.string(), "updated": DocSchema.string(), "running": DocSchema.boolean(),
        "messages": DocSchema.array(DocSchema.object(), description: "The transcript (detail only)."), "usage": DocSchema.object(description: "Token use (detail only)."),
    ], required: ["id", "title", "agent"])

    public static let listChats = RouteDoc("List chats", tag: chats,
        description: "Without a filter: the user's chats. Code-generation sessions belong to their service: list them with agent=codegen&service=<slug>.",
        query: [
        QueryParameter("agent", "orchestrator: the Orchestrator's chats; codegen: code-generation sessions.", DocSchema.string(oneOf: ["orchestrator", "codegen"])),
        QueryParameter("service", "With agent=codegen: the sessions of this service."),
    ], responses: [ResponseDoc(200, "The chats.", DocSchema.list("chats", chat))])
    public static let createChat = RouteDoc("Start a chat", tag: chats,
        body: RequestBody(DocSchema.object(["title": DocSchema.string(), "model": DocSchema.string("A model name, as listed by GET /models.", minLength: 1, maxLength: 200)]),
                          required: false),
        responses: [ResponseDoc(201, "The new chat.", chat)])
    public static let getChat = RouteDoc("Get a chat", tag: chats, parameters: chatID, responses: [ResponseDoc(200, "The chat with its messages.", chat)])
    public static let deleteChat = RouteDoc("Delete a chat", tag: chats, parameters: chatID, responses: [.noContent("Deleted.")])
    public static let stopChat = RouteDoc("Stop a chat's turn", tag: chats, parameters: chatID,
                                          responses: [ResponseDoc(202, "Stopping.", DocSchema.object(["stopping": DocSchema.boolean()]))])
    public static let sendMessage = RouteDoc("Send a message", tag: chats,
        description: "The Orchestrator's turn streams as Server-Sent Events: text, tool_call, tool_result, progress, budget, then done or error.",
        parameters: chatID, body: RequestBody(DocSchema.object(["content": DocSchema.string("The message text.")], required: ["content"])),
        responses: [.events("The turn."), ResponseDoc(409, "A turn is running, or this is a read-only code-generation session.", OpenAPI.errorSchema)])
    public static let watchChat = RouteDoc("Follow a chat's turns", tag: chats,
        description: "Every event of the chat's turns from now on, as Server-Sent Events (as sending a message streams them), whichever replica runs the turn, until the client disconnects.",
        parameters: chatID, responses: [.events("The chat's turns."), ResponseDoc(404, "No such chat.", OpenAPI.errorSchema)])
    public static let usage = RouteDoc("Token usage by model", tag: chats,
        query: [QueryParameter("since", "ISO-8601 instant (default: 30 days ago).", DocSchema.string(format: "date-time"))],
        responses: [ResponseDoc(200, "Calls, tokens and cost per model.", DocSchema.object(["since": DocSchema.string(), "models": DocSchema.array(DocSchema.object())]))])
}
