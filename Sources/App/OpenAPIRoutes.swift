import Auth
import Core
import HTTPServer
import PlatformAPI
import Services

/// `GET /api/v1/openapi.json`, generated from the router's own routes and their `RouteDoc`s, and
/// `GET /api/v1/services/:id/openapi.json`, from a service's endpoints. Both need the read scope, like every GET
/// under /api/v1: the documents hold nothing secret, but an exposed server has no reason to describe itself to
/// strangers, and the rule stays the one the `/api/v1` group applies to the whole API.
enum OpenAPIRoutes {
    /// Install it after every other route: the document describes the routes added before it (and itself).
    static func install(_ r: inout Router, services: ServiceManager, urls: ServiceURLs, publicURL: @escaping @Sendable () -> String) {
        let store = services.store
        r.get("/api/v1/services/:id/openapi.json", AppRouteDocs.serviceOpenAPI) { req in
            let id = try req.require("id")
            let document = try await store.reading { () throws -> JSONValue? in
                try store.find(id).map { s in ServiceOpenAPI.document(s, endpoints: try store.endpoints(s.id), urls: urls) }
            }
            guard let document else { throw HTTPError.notFound("No service '\(id)'. List them with GET /api/v1/services.") }
            return .jsonValue(document)
        }
        let document = Locked<JSONValue>(.null)
        r.get("/api/v1/openapi.json", AppRouteDocs.openAPI) { _ in
            var d = document.withLock { $0 }
            if case .object(var o) = d {
                o["servers"] = [["url": .string(publicURL()), "description": "This server's public URL."]]
                d = .object(o)
            }
            return .jsonValue(d)
        }
        let built = PlatformOpenAPI.document(routes: r.patterns, docs: r.docs, access: r.access)
        document.withLock { $0 = built }
    }
}

/// The platform API's document: every documented `/api/v1` route, with the credentials and scope its group asks of it.
enum PlatformOpenAPI {
    static let prefix = "/api/v1"

    static func document(routes: [(method: String, pattern: String)], docs: [Router.RouteKey: RouteDoc], access: [Router.RouteKey: RouteAccess]) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        var tags: Set<String> = []
        for (method, pattern) in routes where pattern.hasPrefix(prefix + "/") {
            let key = Router.RouteKey(method: method, pattern: pattern)
            guard let doc = docs[key] else { continue }
            tags.insert(doc.tag)
            let scope = access[key]?.scope
            var errors: [(Int, String)] = []
            if doc.body != nil { errors.append((400, "BadRequest")) }
            var security: [JSONValue] = []
            if let scope {
                let safe = method == "GET" || method == "HEAD"
                security = [["bearerAuth": [.string(scope)]], safe ? ["sessionCookie": []] : ["sessionCookie": [], "csrfToken": []]]
                errors += [(401, "Unauthorized"), (403, "Forbidden")]
            }
            if !OpenAPI.parameterNames(pattern).isEmpty { errors.append((404, "NotFound")) }
            var op = OpenAPI.operation(method, pattern, doc, operationID: OpenAPI.operationID(method, pattern, dropping: prefix),
                                       security: security, errors: errors)
            if case .object(var o) = op { o["x-required-scope"] = JSONValue(scope); op = .object(o) }
            paths[OpenAPI.path(pattern), default: [:]][method.lowercased()] = op
        }
        return [
            "openapi": .string(OpenAPI.version),
            "info": [
                "title": "OpenPieces platform API", "version": .string(ProductVersion.current),
                "description": """
                    The platform API of OpenPieces: services, workflows, runs, chats, the brain, secrets and settings. \
                    Send `Authorization: Bearer <admin token or API key>`; each operation's bearer requirement names the scope it needs \
                    (read, write or admin; also in `x-required-scope`). The dashboard's session cookie works too, with its `X-CSRF-Token` on changes. \
                    Errors answer `{"error": {"code", "message"}}`. Request bodies are validated against the schemas shown here before anything runs.
                    """,
            ],
            "tags": .array(tags.sorted().map { ["name": .string($0)] }),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": [
                "schemas": ["Error": OpenAPI.errorSchema],
                "securitySchemes": [
                    "bearerAuth": ["type": "http", "scheme": "bearer",
                                   "description": "The admin token, or an API key (op_…) with the scope the operation names."],
                    "sessionCookie": ["type": "apiKey", "in": "cookie", "name": "op_session",
                                      "description": "The dashboard's session (POST /api/v1/auth/login); it holds every scope."],
                    "csrfToken": ["type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                                  "description": "With the session cookie, changes carry the token answered by login."],
                ],
                "responses": [
                    "BadRequest": OpenAPI.errorResponse("The body is not valid JSON (invalid_json) or does not match the schema (invalid_body)."),
                    "Unauthorized": OpenAPI.errorResponse("No valid credentials."),
                    "Forbidden": OpenAPI.errorResponse("The key lacks the scope, or a session change lacks its CSRF token."),
                    "NotFound": OpenAPI.errorResponse("No such resource."),
                ],
            ],
        ]
    }
}
