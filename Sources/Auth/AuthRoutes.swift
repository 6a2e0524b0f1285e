import Core
import Foundation
import HTTPServer

/// `/api/v1/auth/…` (dashboard sessions: logging in is open) and `/api/v1/api-keys` (admin).
public enum AuthRoutes {
    /// `secureCookies` tells whether the server is reached over https (its public URL), which makes cookies `Secure`.
    public static func install(_ r: inout Router, policy: AuthPolicy, secureCookies: @escaping @Sendable () -> Bool) {
        let store = policy.store
        // Every handler awaits its SQLite work on the database's threads: readers for reads, the writer for changes.
        let db = store.db
        let limiter = policy.limiter
        // Logging in, and asking who one is, need no credentials yet.
        r.group(.open) { r in
            r.post("/api/v1/auth/login", AuthDocs.login) { req in
                if let wait = limiter.retryAfter(req.peer) {
                    var resp = Response.error(429, code: "too_many_attempts", message: "Too many failed logins from this address. Try again in \(wait) s.")
                    resp.headers.add("Retry-After", "\(wait)")
                    return resp
                }
                guard let body = JSONValue.parse(req.body), let token = body["token"]?.string, !token.isEmpty, token.count <= 200 else {
                    throw HTTPError(400, code: "missing_field", message: "Send {\"token\": \"<admin token>\"}: the token printed when the server first started.")
                }
                guard let (cookie, csrf) = try await db.asyncWriting({ try store.login(adminToken: token) }) else {
                    limiter.failed(req.peer)
                    throw HTTPError(401, code: "bad_token", message: "That is not the admin token. It was printed once when the server first started; `openpieces admin-token --home DIR` makes a new one.")
                }
                limiter.succeeded(req.peer)
                var resp = Response.jsonValue(["csrf": .string(csrf)])
                resp.headers.add("Set-Cookie", "op_session=\(cookie); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(AuthStore.sessionLifetime))" + (secureCookies() ? "; Secure" : ""))
                return resp
            }
            r.get("/api/v1/auth/session", AuthDocs.session) { req in
                guard let p = policy.principal(req) else { return .jsonValue(["authenticated": false]) }
                return .jsonValue(["authenticated": true, "kind": .string(p.kind.rawValue), "scopes": .array(p.scopes.sorted().map { .string($0) }),
                                   "csrf": JSONValue(p.csrf)])
            }
        }
        r.post("/api/v1/auth/logout", AuthDocs.logout) { req in
            if let cookie = AuthPolicy.cookie(req, "op_session") { try await db.asyncWriting { try store.logout(session: cookie) } }
            var resp = Response(status: 204)
            resp.headers.add("Set-Cookie", "op_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" + (secureCookies() ? "; Secure" : ""))
            return resp
        }
        r.group("/api/v1/api-keys", policy.admin) { r in
            r.get("/api/v1/api-keys", AuthDocs.listKeys) { _ in
                .jsonValue(["keys": .array(try await db.asyncReading { try store.keys().map(\.json) })])
            }
            r.post("/api/v1/api-keys", AuthDocs.createKey) { req in
                guard let body = JSONValue.parse(req.body) else { throw HTTPError(400, code: "invalid_json", message: "Send {\"name\": \"ci\", \"scopes\": [\"read\"]}.") }
                let (record, key) = try await db.asyncWriting {
                    try store.createKey(name: body["name"]?.string ?? "", scopes: (body["scopes"]?.array ?? []).compactMap(\.string))
                }
                var out = record.json.object ?? [:]
                out["key"] = .string(key)
                return .jsonValue(.object(out), status: 201)
            }
            r.delete("/api/v1/api-keys/:id", AuthDocs.revokeKey) { req in
                let id = try req.require("id")
                guard try await db.asyncWriting({ try store.revoke(id) }) else { throw HTTPError.notFound("No live API key '\(id)'.") }
                return Response(status: 204)
            }
        }
    }
}

extension AuthStore.Invalid: HTTPResponseError {
    public var status: Int { 400 }
    public var code: String { "invalid_key" }
    public var message: String { description }
}
