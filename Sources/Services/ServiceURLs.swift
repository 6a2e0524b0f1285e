import Foundation

/// Where a service answers publicly. Each service is its own origin: `<slug>.<service domain>`, or on a loopback
/// server `<slug>.localhost:<port>` (browsers resolve `*.localhost` to loopback by themselves). That is the URL
/// people are shown. The path form `<public URL>/s/<slug>/` serves programs (most resolvers do not know
/// `*.localhost`) and deployments without wildcard DNS; its pages run sandboxed in an opaque origin.
public struct ServiceURLs: Sendable {
    let publicURL: @Sendable () -> String
    let serviceDomain: String?
    /// The server listens on loopback only, so `*.localhost` reaches it.
    let loopback: Bool

    public init(publicURL: @escaping @Sendable () -> String, serviceDomain: String?, loopback: Bool) {
        self.publicURL = publicURL
        self.serviceDomain = serviceDomain
        self.loopback = loopback
    }

    /// The URL for people: the service's own origin when there is one, else the path form.
    public func url(_ slug: String) -> String {
        let base = publicURL()
        guard let parts = URLComponents(string: base), let scheme = parts.scheme, let host = parts.host else { return pathURL(slug) }
        let port = parts.port.map { ":\($0)" } ?? ""
        if let domain = serviceDomain { return "\(scheme)://\(slug).\(domain)\(port)/" }
        if loopback, ServiceURLs.isLoopbackName(host) { return "\(scheme)://\(slug).localhost\(port)/" }
        return pathURL(slug)
    }

    /// `<public URL>/s/<slug>/`: reachable by any HTTP client.
    public func pathURL(_ slug: String) -> String { "\(publicURL())/s/\(slug)/" }

    public static func isLoopbackName(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }
}
