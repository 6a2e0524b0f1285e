import Core
import HTTPServer
import Services

/// Public service URLs, forwarded by the server's own reverse proxy (streamed both ways, keep-alive to the service):
/// each service's own origin, `Host: <slug>.localhost:<port>` on a loopback server and `<slug>.<domain>` with a
/// service domain; and `/s/<slug>/…` on the platform's origin, answered with a sandbox policy so its pages run in an
/// opaque origin.
public enum ProxyRoutes {
    static let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]

    public static func install(_ r: inout Router, manager: ServiceManager, serviceDomain: String?, localhostNames: Bool) {
        let live = manager.supervisor.live
        let bySlugParam: @Sendable (ProxyRequest) -> ProxyDecision = { req in
            let slug = req.parameters["slug"] ?? ""
            return resolve(slug: slug, rest: req.parameters["rest"] ?? "", req, live, prefix: "/s/\(slug)", sandboxed: true)
        }
        for m in methods {
            r.add(m, "/s/:slug", .proxy(bySlugParam))
            r.add(m, "/s/:slug/*rest", .proxy(bySlugParam))
        }
        let byHost: Handler = .proxy { req in
            resolve(slug: req.parameters["host"] ?? "", rest: String(req.path.dropFirst()), req, live, prefix: "", sandboxed: false)
        }
        if let domain = serviceDomain { r.host(suffix: "." + domain, byHost) }
        if localhostNames { r.host(suffix: ".localhost", byHost) }
    }

    /// Decides from memory (`LiveServices`), never the database: it runs on the event loop for every request.
    static func resolve(slug: String, rest: String, _ req: ProxyRequest, _ live: LiveServices,
                        prefix: String, sandboxed: Bool) -> ProxyDecision {
        guard Slug.isValid(slug) else {
            return .respond(Response.error(404, code: "not_found", message: "'\(slug)' is not a service slug."))
        }
        // No dot segments, raw or escaped: a service must never be asked for a path outside the one it was given.
        let suspicious = rest.utf8.contains { $0 == 0x2E || $0 == 0x25 || $0 == 0x5C }
        for segment in suspicious ? rest.split(separator: "/", omittingEmptySubsequences: false) : []
        where segment.utf8.contains(where: { $0 == 0x2E || $0 == 0x25 || $0 == 0x5C }) {
            let decoded = (PercentEncoding.decode(segment) ?? String(segment)).lowercased()
            if decoded == "." || decoded == ".." || decoded.contains("/") || decoded.contains("\\") {
                return .respond(Response.error(400, code: "bad_path", message: "Paths with '.' or '..' segments are not forwarded."))
            }
        }
        let target = "/" + rest + (req.rawQuery.isEmpty ? "" : "?" + req.rawQuery)
        let s: ServiceRecord
        switch live.lookup(slug) {
        case .running(let port): return .forward(port: port, target: target, prefix: prefix, sandboxed: sandboxed)
        case .elsewhere(let remote):
            // Relayed once at most: the replica it came from believed this one runs it, so it is on the move.
            guard req.headers[RelayHeader.name] == nil else { return .respond(ServiceManager.Failure.moving(slug).response) }
            return .relay(to: UpstreamAddress(ip: remote.ip, port: remote.port))
        case .stranded(let node): return .respond(ServiceManager.Failure.pinned(slug, node: node).response)
        case .notRunning(let record): s = record
        case .unknown:
            return .respond(Response.error(404, code: "not_found", message: "No service '\(slug)'. List them with GET /api/v1/services."))
        }
        return .respond((live.isMoving(s) ? ServiceManager.Failure.moving(slug) : ServiceManager.Failure.notRunning(s, named: slug)).response)
    }
}
