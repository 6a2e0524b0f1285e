import Core
import Foundation
import HTTPServer

/// The loopback guard, run on the head of every request before routing.
///
/// - A request whose `Host` is not one of the server's own names gets 421: a web page whose name was rebound to
///   127.0.0.1 (DNS rebinding) sends its own name, never ours. `GET /.well-known/health` answers any Host, because
///   orchestrators' probes send the pod's address.
/// - A browser request from another site (an `Origin` other than the request's own, or `Sec-Fetch-Site:
///   cross-site`/`same-site` without one) gets 403 everywhere except service traffic and dashboard navigations:
///   that closes cross-site request forgery on the routes that need no credential on loopback (the Pieces API,
///   `/qgpt/*`, model downloads). Pieces clients, the CLI, curl and the SDKs send neither header.
public final class HostGuard: Sendable {
    struct Rules: Sendable {
        /// Exact names (lower-case, without port; IPv6 in brackets).
        var names: Set<String>
        /// `.localhost` on a loopback server, `.<service domain>` with one: a single label before it is a service.
        var serviceSuffixes: [String]
        /// Listening on a wildcard address: any IP literal is ours (an address is never rebound).
        var anyAddress: Bool
        /// Cross-origin callers let in: `--allow-origin`, and the public URL's origin (a proxy may rewrite Host).
        var origins: Set<String>
    }

    private let base: Rules
    private let publicURL: @Sendable () -> String
    /// The public URL last seen and the rules it gives (the public URL can change in Settings).
    private let cached = Locked<(url: String, rules: Rules, suggestion: String)?>(nil)

    /// `loopback`: the server listens on loopback only, so `*.localhost` names are its services.
    public init(listenHost: String, loopback: Bool, serviceDomain: String?, allowedHosts: [String], allowedOrigins: [String],
                publicURL: @escaping @Sendable () -> String) {
        var names: Set<String> = ["127.0.0.1", "localhost", "[::1]"]
        names.insert(HostGuard.bracketed(listenHost.lowercased()))
        for h in allowedHosts { names.insert(Router.hostName(h)) }
        var suffixes: [String] = []
        if let domain = serviceDomain {
            names.insert(domain)
            suffixes.append("." + domain)
        }
        if loopback { suffixes.append(".localhost") }
        base = Rules(names: names, serviceSuffixes: suffixes, anyAddress: listenHost == "0.0.0.0" || listenHost == "::",
                     origins: Set(allowedOrigins.map { HostGuard.normalizedOrigin($0) }))
        self.publicURL = publicURL
    }

    /// The screen for `Router.screen`.
    public func screen(_ r: ScreenedRequest) -> Response? {
        let (rules, suggestion) = current()
        let host = r.headers["Host"]
        if let host, !HostGuard.isOurs(host, rules) {
            if r.path == "/.well-known/health" && (r.method == "GET" || r.method == "HEAD") { return nil }
            let shown = String(host.prefix(100)).replacingLineBreaks()
            return Response.error(421, code: "misdirected_request",
                                  message: "This server does not answer to the name '\(shown)' (a guard against DNS rebinding). Use \(suggestion), or add the name with --allow-host.")
        }
        if let host, Router.hostLabel(host, suffixes: rules.serviceSuffixes) != nil { return nil }  // a service's own origin: its business
        if HostGuard.exempt(r) { return nil }
        if let origin = r.headers["Origin"] {
            let o = HostGuard.normalizedOrigin(origin)
            if let host, HostGuard.authority(of: o) == HostGuard.normalizedAuthority(host) { return nil }  // same origin
            if rules.origins.contains(o) { return nil }
            return HostGuard.crossSite(String(origin.prefix(100)).replacingLineBreaks())
        }
        if let site = r.headers["Sec-Fetch-Site"]?.lowercased(), site == "cross-site" || site == "same-site" {
            return HostGuard.crossSite("another site")
        }
        return nil
    }

    static func crossSite(_ who: String) -> Response {
        Response.error(403, code: "cross_site",
                       message: "A web page from \(who) may not call this server. Pieces clients and the CLI send no Origin; to trust a web app, start the server with --allow-origin <its origin>.")
    }

    /// Service traffic on the path form, dashboard navigations, and the health probe.
    static func exempt(_ r: ScreenedRequest) -> Bool {
        let p = r.path
        if p.hasPrefix("/s/") || p == "/.well-known/health" { return true }
        guard r.method == "GET" || r.method == "HEAD" else { return false }
        return p == "/" || p == "/login" || p.hasPrefix("/ui/") || p == "/favicon.ico"
    }

    private func current() -> (Rules, String) {
        let url = publicURL()
        if let c = cached.withLock({ $0 }), c.url == url { return (c.rules, c.suggestion) }
        var rules = base
        if let parts = URLComponents(string: url), let host = parts.host?.lowercased(), let scheme = parts.scheme {
            rules.names.insert(HostGuard.bracketed(host))
            rules.origins.insert(HostGuard.normalizedOrigin("\(scheme)://\(HostGuard.bracketed(host))\(parts.port.map { ":\($0)" } ?? "")"))
        }
        cached.withLock { $0 = (url, rules, url + "/") }
        return (rules, url + "/")
    }

    static func isOurs(_ host: String, _ rules: Rules) -> Bool {
        var name = Router.hostName(host)
        while name.hasSuffix(".") { name.removeLast() }
        if rules.names.contains(name) { return true }
        if Router.hostLabel(name, suffixes: rules.serviceSuffixes) != nil { return true }
        return rules.anyAddress && (name.hasPrefix("[") || name.allSatisfy { $0.isNumber || $0 == "." })
    }

    static func bracketed(_ host: String) -> String { host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host }

    /// `scheme://host[:port]`, lower-cased, without a default port or a trailing slash.
    static func normalizedOrigin(_ origin: String) -> String {
        var o = origin.trimmingCharacters(in: .whitespaces).lowercased()
        while o.hasSuffix("/") { o.removeLast() }
        if o.hasPrefix("http://"), o.hasSuffix(":80") { o.removeLast(3) }
        if o.hasPrefix("https://"), o.hasSuffix(":443") { o.removeLast(4) }
        return o
    }

    static func authority(of origin: String) -> String? {
        guard let r = origin.range(of: "://") else { return nil }
        return String(origin[r.upperBound...])
    }

    static func normalizedAuthority(_ host: String) -> String {
        var h = host.trimmingCharacters(in: .whitespaces).lowercased()
        if h.hasSuffix(":80") || h.hasSuffix(":443") { h = String(h[..<h.lastIndex(of: ":")!]) }
        return h
    }
}
