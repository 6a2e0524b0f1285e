import Core
import HTTPServer

/// The documentation of `/api/v1/auth/…` and `/api/v1/api-keys…` (bodies declared here are enforced).
public enum AuthDocs {
    static let tag = "Auth"
    static let key = DocSchema.object(["id": DocSchema.string(), "name": DocSchema.string(), "prefix": DocSchema.string(), "scopes": DocSchema.array(DocSchema.string()),
                                    "created": DocSchema.string(), "lastUsed": DocSchema.string(nullable: true), "revoked": DocSchema.string(nullable: true)],
                                   required: ["id", "name", "scopes"])

    public static let login = RouteDoc("Log in to the dashboard", tag: tag,
        description: "Sets the `op_session` cookie and answers the CSRF token that changes made with it must carry. Five failures a minute per address, then 429.",
        body: RequestBody(DocSchema.object(["token": DocSchema.string("The admin token.", minLength: 1, maxLength: 200)], required: ["token"])),
        responses: [ResponseDoc(200, "Logged in.", DocSchema.object(["csrf": DocSchema.string()], required: ["csrf"])),
                    ResponseDoc(401, "Not the admin token.", OpenAPI.errorSchema), ResponseDoc(429, "Too many failed logins.", OpenAPI.errorSchema)])
    public static let logout = RouteDoc("Log out", tag: tag, responses: [.noContent("The session is ended and its cookie cleared.")])
    public static let session = RouteDoc("Who is calling", tag: tag,
        responses: [ResponseDoc(200, "The caller's credentials, if any.", DocSchema.object([
            "authenticated": DocSchema.boolean(), "kind": DocSchema.string(oneOf: ["admin", "key", "session"]),
            "scopes": DocSchema.array(DocSchema.string()), "csrf": DocSchema.string(nullable: true),
        ], required: ["authenticated"]))])
    public static let listKeys = RouteDoc("List API keys", tag: tag, description: "Keys are shown by prefix; the key itself only when created.",
                                          responses: [ResponseDoc(200, "The keys.", DocSchema.list("keys", key))])
    public static let createKey = RouteDoc("Create an API key", tag: tag, description: "write implies read; admin implies both.",
        body: RequestBody(DocSchema.object(["name": DocSchema.string(minLength: 1, maxLength: 100),
                                         "scopes": DocSchema.array(DocSchema.string(oneOf: AuthStore.scopes), minItems: 1)], required: ["name", "scopes"])),
        responses: [ResponseDoc(201, "Created; `key` is shown this once.", key)])
    public static let revokeKey = RouteDoc("Revoke an API key", tag: tag, parameters: ["id": "The key's id."], responses: [.noContent("Revoked at once.")])
}
