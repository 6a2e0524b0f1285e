import Core
import HTTPServer

/// The documentation of `/api/v1/services…` and `/api/v1/secrets…` (see `RouteDoc`: bodies declared here are enforced).
public enum ServiceDocs {
    static let tag = "Services"
    static let id = ["id": "The service's slug or id."]

    public static let endpoint = DocSchema.object([
        "id": DocSchema.string(), "method": DocSchema.string(oneOf: ["GET", "POST", "PUT", "DELETE", "PATCH"]), "path": DocSchema.string(),
        "description": DocSchema.string(), "source": DocSchema.string("manifest, or api when registered with POST …/endpoints."),
        "inputSchema": DocSchema.object(description: "JSON Schema of the input."), "outputSchema": DocSchema.object(description: "JSON Schema of a successful answer."),
    ], required: ["id", "method", "path"])

    public static let service = DocSchema.object([
        "id": DocSchema.string(), "slug": DocSchema.string(), "title": DocSchema.string(), "description": DocSchema.string(),
        "kind": DocSchema.string(oneOf: ["action", "trigger"]), "status": DocSchema.string("running, stopped, crashed, archived…"),
        "url": DocSchema.string("The service's own origin, for people.", format: "uri"),
        "pathUrl": DocSchema.string("The `/s/<slug>/` form any HTTP client resolves.", format: "uri"),
        "version": DocSchema.integer(), "versions": DocSchema.array(DocSchema.integer()), "runningVersion": DocSchema.integer(),
        "secrets": DocSchema.array(DocSchema.object(["name": DocSchema.string(), "set": DocSchema.boolean()])),
        "hosts": DocSchema.array(DocSchema.string()), "endpoints": DocSchema.array(endpoint),
        "created": DocSchema.string(format: "date-time"), "updated": DocSchema.string(format: "date-time"),
        "reason": DocSchema.string(), "workflow": DocSchema.string(), "port": DocSchema.integer(), "pid": DocSchema.integer(),
        "placement": DocSchema.object([
            "node": DocSchema.string("The replica that runs it."), "address": DocSchema.string("That replica's --node-address."),
            "pinned": DocSchema.boolean("Its data/ lives on that replica's disk: it runs only there (no shared --services-root)."),
            "live": DocSchema.boolean("Whether that replica renews its lease: when not, another replica takes the service over."),
        ], description: "Which replica runs it, when replicas share a PostgreSQL store."),
    ], required: ["id", "slug", "status", "url"])

    static let files = DocSchema.object(description: "File path → text; `service.json` may be given as an object. Needs `main.ts` and `service.json`.")

    static func action(_ verb: String, _ what: String) -> RouteDoc {
        RouteDoc("\(verb) a service", tag: tag, description: what, parameters: id, responses: [ResponseDoc(200, "The service.", service)])
    }

    public static let list = RouteDoc("List services", tag: tag, responses: [ResponseDoc(200, "Every service.", DocSchema.list("services", service))])
    public static let create = RouteDoc("Deploy a new service", tag: tag,
        description: "From files (`files`) or a directory on the server (`directory`). Deploying validates the manifest and starts the service unless `start` is false.",
        body: RequestBody(DocSchema.object([
            // The slug rule is the manager's to state (invalid_slug, with what a slug may hold).
            "slug": DocSchema.string("1–48 of a-z, 0-9 and '-', not starting or ending with '-'."), "files": files,
            "directory": DocSchema.string("A directory on the server holding main.ts and service.json.", minLength: 1), "start": DocSchema.boolean("Start it (default true)."),
        ], required: ["slug"])),
        responses: [ResponseDoc(201, "Deployed.", service), ResponseDoc(409, "A service with that slug exists.", OpenAPI.errorSchema),
                    ResponseDoc(422, "The files or manifest are invalid.", OpenAPI.errorSchema)])
    public static let get = RouteDoc("Get a service", tag: tag, parameters: id, responses: [ResponseDoc(200, "The service.", service)])
    public static let update = RouteDoc("Deploy a new version", tag: tag, description: "Replaces the service's files; the new version starts if the service runs.",
        parameters: id, body: RequestBody(DocSchema.object(["files": files], required: ["files"])),
        responses: [ResponseDoc(200, "The service at its new version.", service), ResponseDoc(422, "The files or manifest are invalid.", OpenAPI.errorSchema)])
    public static let delete = RouteDoc("Delete a service", tag: tag, description: "Stops it and removes its files, versions and data.", parameters: id,
                                        responses: [.noContent("Deleted.")])
    public static let start = action("Start", "Starts the service's current version.")
    public static let stop = action("Stop", "Stops the service.")
    public static let restart = action("Restart", "Stops and starts the service.")
    public static let archive = action("Archive", "Stops the service and keeps it, archived.")
    public static let rollback = RouteDoc("Roll back a service", tag: tag, description: "Makes an earlier version current (and runs it if the service runs).",
        parameters: id, body: RequestBody(DocSchema.object(["version": DocSchema.integer("The version to roll back to.", minimum: 1)], required: ["version"])),
        responses: [ResponseDoc(200, "The service.", service)])
    public static let logs = RouteDoc("Read a service's logs", tag: tag, parameters: id,
        query: [QueryParameter("tail", "How many of the last lines (0–5000, default 200).", DocSchema.integer(minimum: 0, maximum: 5000)),
                QueryParameter("follow", "1 or true: stream new lines as Server-Sent Events.", DocSchema.string(oneOf: ["0", "1", "true", "false"]))],
        responses: [ResponseDoc(200, "The lines (`follow`: an event stream).", DocSchema.list("lines", DocSchema.string()))])
    public static let download = RouteDoc("Download a service's files", tag: tag, description: "The live version's files as a gzipped tar, without its data.",
        parameters: id, responses: [ResponseDoc(200, "The archive.", DocSchema.string(format: "binary"), contentType: "application/gzip")])
    public static let endpoints = RouteDoc("List a service's endpoints", tag: tag, parameters: id,
                                           responses: [ResponseDoc(200, "Its endpoints.", DocSchema.list("endpoints", endpoint))])
    public static let addEndpoint = RouteDoc("Register an endpoint", tag: tag, parameters: id,
        body: RequestBody(DocSchema.object([
            "method": DocSchema.string(oneOf: ["GET", "POST", "PUT", "DELETE", "PATCH", "get", "post", "put", "delete", "patch"]),
            "path": DocSchema.string("Starts with '/', may hold :params.", minLength: 1, maxLength: 512),
            "description": DocSchema.string(), "inputSchema": DocSchema.object(description: "JSON Schema of the input."),
        ], required: ["method", "path"])),
        responses: [ResponseDoc(201, "Registered.", endpoint), ResponseDoc(409, "Already registered.", OpenAPI.errorSchema)])
    public static let call = RouteDoc("Call an endpoint", tag: tag,
        description: "Calls an endpoint of a running service with `input` checked against its input schema, as the Events agent does.",
        parameters: ["id": "The service's slug or id.", "endpoint": "The endpoint's id, or `METHOD /path` (URL-encoded)."],
        body: RequestBody(DocSchema.object(["input": DocSchema.any("The input: path parameters, then query (GET/DELETE) or body fields.")]), required: false),
        responses: [ResponseDoc(200, "What the service answered.", DocSchema.object(["status": DocSchema.integer(), "headers": DocSchema.object(),
                                                                               "output": DocSchema.any("The answer's JSON, or its text."), "ms": DocSchema.integer()])),
                    ResponseDoc(422, "The input does not match the endpoint's schema.", OpenAPI.errorSchema),
                    ResponseDoc(502, "The service failed to answer.", OpenAPI.errorSchema),
                    ResponseDoc(503, "The service is not running.", OpenAPI.errorSchema)])

    static let secretTag = "Secrets"
    public static let secrets = RouteDoc("List secrets", tag: secretTag, description: "Names, whether each is set, and the services that need it; never values.",
        responses: [ResponseDoc(200, "The secrets.", DocSchema.list("secrets", DocSchema.object(["name": DocSchema.string(), "set": DocSchema.boolean(),
                                                                                           "services": DocSchema.array(DocSchema.string())])))])
    public static let setSecret = RouteDoc("Set a secret", tag: secretTag, description: "Stored encrypted; services that need it restart with it.",
        parameters: ["name": "Capitals, digits and underscores, such as API_KEY."],
        body: RequestBody(DocSchema.object(["value": DocSchema.string()], required: ["value"])),
        responses: [ResponseDoc(200, "Set.", DocSchema.object(["name": DocSchema.string(), "set": DocSchema.boolean(), "hint": DocSchema.string()]))])
    public static let deleteSecret = RouteDoc("Delete a secret", tag: secretTag, parameters: ["name": "The secret's name."], responses: [.noContent("Deleted.")])

    static let version = DocSchema.object(["version": DocSchema.integer(), "created": DocSchema.string(), "current": DocSchema.boolean(), "source": DocSchema.object()])
    public static let versions = RouteDoc("List a service's versions", tag: tag, parameters: id,
        responses: [ResponseDoc(200, "Its versions, with what produced each.", DocSchema.object(["service": DocSchema.string(), "current": DocSchema.integer(),
                                                                                            "versions": DocSchema.array(version)]))])
    public static let versionFiles = RouteDoc("Read a version's files", tag: tag,
        parameters: ["id": "The service's slug or id.", "version": "A version number (`3` or `v3`)."],
        responses: [ResponseDoc(200, "The files; binary ones without text.", DocSchema.object([
            "service": DocSchema.string(), "version": DocSchema.integer(),
            "files": DocSchema.array(DocSchema.object(["path": DocSchema.string(), "size": DocSchema.integer(), "binary": DocSchema.boolean(), "text": DocSchema.string(nullable: true)])),
        ])), ResponseDoc(413, "Too large to show.", OpenAPI.errorSchema)])
    public static let diff = RouteDoc("Compare two versions", tag: tag, parameters: id,
        query: [QueryParameter("from", "A version number, or `workspace`.", required: true),
                QueryParameter("to", "A version number, or `workspace` (the code-generation agent's working copy).", required: true)],
        responses: [ResponseDoc(200, "The changed files with their line diffs.", DocSchema.object([
            "service": DocSchema.string(), "from": DocSchema.string(), "to": DocSchema.string(), "files": DocSchema.array(DocSchema.object()), "unchanged": DocSchema.integer(),
        ])), ResponseDoc(413, "Too large to show.", OpenAPI.errorSchema)])
}

extension ServiceDocs {
    public static let move = RouteDoc("Move a pinned service off a replica that is gone", tag: tag,
        description: "Replicas sharing a store: a service whose data/ lives on a replica's own disk waits for that replica. When that replica is gone for good, this starts the service on another one, without that data/. Refused (409) while its replica renews its lease.",
        parameters: id, responses: [ResponseDoc(200, "The service, started elsewhere.", service), ResponseDoc(409, "Not waiting for a replica that is gone.", OpenAPI.errorSchema)])
    static let actions = ["start": start, "stop": stop, "restart": restart, "archive": archive]
}
