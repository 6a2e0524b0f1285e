import Core
import Crypto
import Foundation
import HTTPServer
import Synchronization

/// Who may call what, as rules that route groups carry where their routes are declared (see `Application`):
/// `/api/v1` needs the dashboard session (with its CSRF token for changes) or a bearer token (the admin token or an
/// API key with the scope the call needs); the Pieces-compatible API is open on loopback, as Pieces OS is, and needs
/// a key when the server listens beyond it. Service URLs, the service callback and the dashboard's own files are
/// declared open.
public struct AuthPolicy: Sendable {
    let store: AuthStore
    /// True when the server listens on a non-loopback address.
    let exposed: Bool
    let limiter = LoginLimiter()

    public init(store: AuthStore, exposed: Bool) {
        self.store = store
        self.exposed = exposed
    }

    /// The cookies that prove who the user is: the proxy never forwards them to a service.
    public static let credentialCookies: Set<String> = ["op_session"]

    /// `/api/v1`: the dashboard session (with its CSRF token for changes) or a bearer credential; reading needs
    /// `read`, changing needs `write`.
    public var api: AccessRule { AccessRule { method, _ in scoped(AuthPolicy.isSafe(method) ? "read" : "write", cookies: true) } }

    /// The platform's administration (API keys, settings, webhooks): the session or a bearer credential with `admin`.
    public var admin: AccessRule { AccessRule { _, _ in scoped("admin", cookies: true) } }

    /// The Pieces-compatible API: open on loopback, as Pieces OS is; beyond it, an API key with `read` to read and
    /// `write` to change.
    public var pieces: AccessRule {
        AccessRule { method, _ in exposed ? scoped(AuthPolicy.isSafe(method) ? "read" : "write", cookies: false) : .open }
    }

    /// MCP speaks JSON-RPC over POST even to read: its routes ask for `read` when exposed, and the MCP handler asks
    /// for `write` before a tool runs (`allows`).
    public var mcp: AccessRule { AccessRule { _, _ in exposed ? scoped("read", cookies: false) : .open } }

    func scoped(_ scope: String, cookies: Bool) -> RouteAccess {
        RouteAccess(scope: scope) { [self] req in check(req, needs: scope, cookies: cookies) }
    }

    /// Whether the request may do what `scope` allows, past its route's check: anyone on loopback (as the Pieces API),
    /// else a bearer credential holding the scope.
    public func allows(_ req: Request, scope: String) -> Bool {
        guard exposed else { return true }
        return bearerPrincipal(req)?.scopes.contains(scope) == true
    }

    /// Who sent the request, as a stable string (nil without a bearer credential): an MCP session stays with it.
    public func identity(_ req: Request) -> String? {
        guard let p = bearerPrincipal(req) else { return nil }
        return "\(p.kind.rawValue):\(p.keyID ?? "")"
    }

    /// The principal a request's bearer token proves. The local CLI token counts only from a loopback peer that came
    /// straight: behind a reverse proxy on the same machine every request has a loopback peer, and says so in these
    /// headers.
    func bearerPrincipal(_ req: Request) -> Principal? {
        let direct = AuthPolicy.isLoopbackPeer(req.peer) && !AuthPolicy.forwardingHeaders.contains { req.headers[$0] != nil }
        return AuthPolicy.bearer(req).flatMap { store.principal(bearer: $0, fromLoopback: direct) }
    }

    static let forwardingHeaders = ["Forwarded", "X-Forwarded-For", "X-Real-IP"]

    /// A peer address on this machine: 127.0.0.0/8, ::1, or an IPv4-mapped loopback address.
    static func isLoopbackPeer(_ ip: String) -> Bool {
        let v4 = ip.hasPrefix("::ffff:") ? String(ip.dropFirst(7)) : ip
        return ip == "::1" || v4.hasPrefix("127.")
    }

    static func isSafe(_ method: String) -> Bool { method == "GET" || method == "HEAD" || method == "OPTIONS" }

    /// The principal of a request, if it proves one (bearer first, then the session cookie).
    public func principal(_ req: Request) -> Principal? {
        if AuthPolicy.bearer(req) != nil { return bearerPrincipal(req) }
        return AuthPolicy.cookie(req, "op_session").flatMap(store.principal(session:))
    }

    func check(_ req: Request, needs: String, cookies: Bool) -> Response? {
        let who: Principal
        if AuthPolicy.bearer(req) != nil {
            guard let p = bearerPrincipal(req) else {
                return AuthPolicy.unauthorized("The token is not valid, or the key was revoked. Use the admin token or an API key (create one in the dashboard or with POST /api/v1/api-keys).")
            }
            who = p
        } else if cookies, let cookie = AuthPolicy.cookie(req, "op_session"), let p = store.principal(session: cookie) {
            // A cookie rides along with any request the browser makes: changes must also carry the page's CSRF token.
            if !AuthPolicy.isSafe(req.method) {
                let sent = req.headers["X-CSRF-Token"] ?? ""
                guard let csrf = p.csrf, Digest.constantTimeEqual(Array(sent.utf8), Array(csrf.utf8)) else {
                    return Response.error(403, code: "csrf", message: "Missing or wrong X-CSRF-Token header. Reload the dashboard page and try again.")
                }
            }
            who = p
        } else {
            return AuthPolicy.unauthorized(cookies
                ? "Sign in: send 'Authorization: Bearer <admin token or API key>', or log in to the dashboard at /login."
                : "This server listens beyond loopback: send 'Authorization: Bearer <API key>'.")
        }
        guard who.scopes.contains(needs) else {
            return Response.error(403, code: "insufficient_scope",
                                  message: "This key has the scopes \(who.scopes.sorted().joined(separator: ", ")); \(req.method) \(req.path) needs '\(needs)'. Create a key with that scope.")
        }
        return nil
    }

    static func unauthorized(_ message: String) -> Response {
        var r = Response.error(401, code: "unauthorized", message: message)
        r.headers.add("WWW-Authenticate", "Bearer")
        return r
    }

    static func bearer(_ req: Request) -> String? {
        guard let v = req.headers["Authorization"], v.count > 7, v.prefix(7).lowercased() == "bearer " else { return nil }
        return String(v.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    static func cookie(_ req: Request, _ name: String) -> String? {
        for header in req.headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces) == name { return kv[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return nil
    }
}

/// Failed logins per client address: at most `limit` in `window` seconds, then 429 until the oldest ages out.
public final class LoginLimiter: Sendable {
    let limit = 5
    let window: TimeInterval = 60
    private let failures = Locked<[String: [Date]]>([:])

    public init() {}

    /// Seconds to wait before trying again, or nil if a try is allowed now.
    public func retryAfter(_ peer: String, now: Date = Date()) -> Int? {
        failures.withLock { f in
            let recent = (f[peer] ?? []).filter { now.timeIntervalSince($0) < window }
            f[peer] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
        }
    }

    public func failed(_ peer: String, now: Date = Date()) {
        failures.withLock { f in
            f[peer, default: []].append(now)
            if f.count > 10_000 { f.removeAll() }  // bounded: a flood of addresses cannot grow it forever
        }
    }

    public func succeeded(_ peer: String) { _ = failures.withLock { $0.removeValue(forKey: peer) } }
}
