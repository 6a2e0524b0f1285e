import Core

/// How a route's handler runs.
public enum Handler: Sendable {
    /// On the event loop thread, for handlers that never block (health, version, static answers).
    case inline(@Sendable (Request) throws -> Response)
    /// In a Swift task, for everything that awaits or touches storage.
    case task(@Sendable (Request) async throws -> Response)
    /// Reverse proxy: decided on the event loop as soon as the head arrives, then the body streams both ways.
    case proxy(@Sendable (ProxyRequest) -> ProxyDecision)
}

/// What the screen sees of a request: its head.
public struct ScreenedRequest: Sendable {
    public let method: String
    public let path: String
    public let headers: HTTPHeaders
}

/// What a proxy handler sees: the head only (the body has not arrived yet).
public struct ProxyRequest: Sendable {
    public let method: String
    public let path: String
    public let rawQuery: String
    public let headers: HTTPHeaders
    public let parameters: [String: String]
    public let requestID: String
}

/// Where the proxy connects: a service's port on loopback, or another replica at a numeric address (names are
/// resolved before a request needs them: the event loop never waits for DNS).
public struct UpstreamAddress: Hashable, Sendable, CustomStringConvertible {
    /// A numeric IPv4 or IPv6 address; nil for 127.0.0.1.
    public let ip: String?
    public let port: Int

    public static func loopback(_ port: Int) -> UpstreamAddress { UpstreamAddress(ip: nil, port: port) }

    public init(ip: String?, port: Int) {
        self.ip = ip
        self.port = port
    }

    public var description: String { ip.map { $0.contains(":") ? "[\($0)]:\(port)" : "\($0):\(port)" } ?? "127.0.0.1:\(port)" }
}

public enum ProxyDecision: Sendable {
    /// Forward to 127.0.0.1:`port` with this request target (path and query). `prefix` goes to the service as
    /// `X-Forwarded-Prefix` (where its URLs live on this server); `sandboxed` answers with
    /// `Content-Security-Policy: sandbox …`, so pages served on the platform's own origin run in an opaque one.
    case forward(port: Int, target: String, prefix: String = "", sandboxed: Bool = false)
    /// Pass the request on as it came (same target and `Host`) to another replica of the platform, which serves it:
    /// the service runs there. Marked `X-OpenPieces-Relay`, so the other replica never relays it further. Until that
    /// replica answers, a failure means the service is moving: 503 with `Retry-After`.
    case relay(to: UpstreamAddress)
    /// Answer here instead (service not running, unknown slug...).
    case respond(Response)
}

/// The routes of a server, as they are declared: `:name` path parameters, a trailing `*name` catch-all, groups that
/// say who may call their routes. A value: a copy is a separate list. The server freezes it into a
/// `RouterResponder` when it starts.
public struct Router: Sendable {
    public struct RouteKey: Hashable, Sendable {
        public let method: String
        public let pattern: String
        public init(method: String, pattern: String) { self.method = method; self.pattern = pattern }
    }

    /// One route as declared.
    public struct Route: Sendable {
        public let method: String
        public let pattern: PathPattern
        public let handler: Handler
        public let doc: RouteDoc?
        /// Who may call it (from its group); nil outside any group (`defaultAccess` then).
        public let access: RouteAccess?
        /// The prefix of the group it was declared in, nil outside any.
        let group: String?
    }

    typealias Match = RouterResponder.Match

    /// Every route added, in order.
    public private(set) var routes: [Route] = []
    /// Method and shape (`GET /a/:`) of every route: a route added twice is refused.
    private var added: Set<String> = []
    /// Parameter names by shape: `/a/:id` and `/a/:name` at once would answer under one of the names only.
    private var names: [String: [String]] = [:]
    /// The groups open while routes are added (innermost last), and the prefixes of every group declared.
    private var openGroups: [(prefix: String, rule: AccessRule)] = []
    private var groupPrefixes: Set<String> = []

    /// Runs on the head of every request, proxied ones included, before routing: answers a response (421, 403…)
    /// to refuse it, nil to let it through. It runs on the event loop: it must be quick.
    public var screen: (@Sendable (ScreenedRequest) -> Response?)?
    /// Cookies that are the platform's own credentials: never forwarded to a service.
    public var credentialCookies: Set<String> = []
    /// Who may call the routes added outside any group (nil: anyone).
    public var defaultAccess: AccessRule?
    /// Host-based routing: a request whose Host ends with one of the suffixes goes to its handler, with the label
    /// before it as the `host` parameter (e.g. `notes.svc.example.com` → `notes`).
    public private(set) var hostRoutes: [(suffix: String, handler: Handler)] = []

    public init() {}

    public mutating func host(suffix: String, _ handler: Handler) {
        hostRoutes.append((suffix.lowercased(), handler))
    }

    /// Every route added, in order (for the API's route listing and tests that must cover every route).
    public var patterns: [(method: String, pattern: String)] { routes.map { ($0.method, $0.pattern.description) } }

    /// The documentation of the routes that carry one, by method and pattern (the OpenAPI document is built from it).
    public var docs: [RouteKey: RouteDoc] {
        var out: [RouteKey: RouteDoc] = [:]
        for r in routes { if let d = r.doc { out[RouteKey(method: r.method, pattern: r.pattern.description)] = d } }
        return out
    }

    /// Who may call each route, by method and pattern (the OpenAPI document states it).
    public var access: [RouteKey: RouteAccess] {
        var out: [RouteKey: RouteAccess] = [:]
        for r in routes { out[RouteKey(method: r.method, pattern: r.pattern.description)] = r.access ?? .open }
        return out
    }

    /// Routes under `prefix` that `rule` guards, declared in `body`. Every route added there must lie under the
    /// prefix, and a route under it added anywhere else stops the program when the server starts: a route cannot
    /// leave its group's rule by accident. A group inside another replaces its rule for its own routes.
    public mutating func group(_ prefix: String, _ rule: AccessRule, _ body: (inout Router) throws -> Void) rethrows {
        let prefix = prefix == "/" ? "" : prefix
        if let outer = openGroups.last { precondition(Router.lies(prefix, under: outer.prefix), "the group \(prefix) lies outside its group \(outer.prefix)") }
        groupPrefixes.insert(prefix)
        openGroups.append((prefix, rule))
        defer { openGroups.removeLast() }
        try body(&self)
    }

    /// Routes under the current group's prefix (the whole path space outside any group) that `rule` guards instead:
    /// `r.group(.open) { … }` says out loud that its routes are open.
    public mutating func group(_ rule: AccessRule, _ body: (inout Router) throws -> Void) rethrows {
        try group(openGroups.last?.prefix ?? "", rule, body)
    }

    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) { add(method, pattern, nil, handler) }

    /// With a `doc` that declares a request body, the handler runs only for a body its schema accepts.
    /// A route added twice is a bug (the later one would silently win): it stops the program at start-up.
    public mutating func add(_ method: String, _ pattern: String, _ doc: RouteDoc?, _ handler: Handler) {
        let method = method.uppercased()
        let parsed = PathPattern(pattern)
        precondition(parsed.isWellFormed, "a catch-all segment must be last (\(pattern))")
        let shape = parsed.shape
        precondition(added.insert(method + " " + shape).inserted, "the route \(method) \(pattern) is added twice: keep one")
        let params = parsed.parameterNames
        if let earlier = names[shape] { precondition(earlier == params, "conflicting parameter names at the same position (\(pattern))") }
        names[shape] = params
        var access: RouteAccess?
        if let group = openGroups.last {
            precondition(Router.lies(pattern, under: group.prefix), "the route \(method) \(pattern) lies outside its group \(group.prefix)")
            access = group.rule.access(method, pattern)
        }
        routes.append(Route(method: method, pattern: parsed, handler: handler, doc: doc, access: access, group: openGroups.last?.prefix))
    }

    /// Whether `pattern` is `prefix` or below it, segment by segment.
    static func lies(_ pattern: String, under prefix: String) -> Bool {
        prefix.isEmpty || pattern == prefix || pattern.hasPrefix(prefix.hasSuffix("/") ? prefix : prefix + "/")
    }

    /// The routes that lie under a group's prefix but were declared outside that group (they must be declared in it).
    var strays: [String] {
        routes.filter { r in
            groupPrefixes.contains { prefix in
                !prefix.isEmpty && Router.lies(r.pattern.description, under: prefix) && !Router.lies(r.group ?? "", under: prefix)
            }
        }.map { "\($0.method) \($0.pattern)" }
    }

    public typealias TaskHandler = @Sendable (Request) async throws -> Response
    public mutating func get(_ pattern: String, _ h: @escaping TaskHandler) { add("GET", pattern, nil, .task(h)) }
    public mutating func get(_ pattern: String, _ doc: RouteDoc, _ h: @escaping TaskHandler) { add("GET", pattern, doc, .task(h)) }
    public mutating func post(_ pattern: String, _ h: @escaping TaskHandler) { add("POST", pattern, nil, .task(h)) }
    public mutating func post(_ pattern: String, _ doc: RouteDoc, _ h: @escaping TaskHandler) { add("POST", pattern, doc, .task(h)) }
    public mutating func put(_ pattern: String, _ h: @escaping TaskHandler) { add("PUT", pattern, nil, .task(h)) }
    public mutating func put(_ pattern: String, _ doc: RouteDoc, _ h: @escaping TaskHandler) { add("PUT", pattern, doc, .task(h)) }
    public mutating func patch(_ pattern: String, _ h: @escaping TaskHandler) { add("PATCH", pattern, nil, .task(h)) }
    public mutating func patch(_ pattern: String, _ doc: RouteDoc, _ h: @escaping TaskHandler) { add("PATCH", pattern, doc, .task(h)) }
    public mutating func delete(_ pattern: String, _ h: @escaping TaskHandler) { add("DELETE", pattern, nil, .task(h)) }
    public mutating func delete(_ pattern: String, _ doc: RouteDoc, _ h: @escaping TaskHandler) { add("DELETE", pattern, doc, .task(h)) }

    /// The Host header's name: lower-cased, without its port (an IPv6 literal keeps its brackets).
    public static func hostName(_ host: String) -> String {
        var h = host.lowercased()
        if let colon = h.lastIndex(of: ":"), !h.hasSuffix("]") { h = String(h[..<colon]) }
        return h
    }

    /// The single label before one of `suffixes` (`notes` of `notes.localhost:39300`), or nil.
    public static func hostLabel(_ host: String, suffixes: [String]) -> String? {
        let h = hostName(host)
        for suffix in suffixes where h.hasSuffix(suffix) && h.utf8.count > suffix.utf8.count {
            let label = String(h.dropLast(suffix.count))
            if !label.contains(".") { return label }
        }
        return nil
    }

    /// The non-empty segments of a path (for the fuzz target).
    package static func segments(_ path: String) -> [Substring] { PathPattern.split(path) }
}

/// The frozen router: the routes in a trie, each handler wrapped with its access check, its body validation and
/// the mapping of thrown `HTTPResponseError`s to their answers. Immutable: the server's loops share it.
public final class RouterResponder: Sendable {
    enum Match {
        case found(Handler, [String: String])
        case methodNotAllowed([String])
        case notFound
        /// The screen answered before routing (wrong Host, cross-site browser request).
        case refused(Response)
    }

    private let trie: PathTrie<[String: Handler]>
    let hostRoutes: [(suffix: String, handler: Handler)]
    let screen: (@Sendable (ScreenedRequest) -> Response?)?
    let credentialCookies: Set<String>

    /// Stops the program when a route under a group's prefix was added outside the group.
    public init(_ router: Router) {
        let strays = router.strays
        precondition(strays.isEmpty, "routes under a group's prefix must be added in the group: \(strays.joined(separator: ", "))")
        let entries = router.routes.map { r in
            (pattern: r.pattern, value: [r.method: RouterResponder.wrap(r.handler, doc: r.doc, access: r.access ?? router.defaultAccess?.access(r.method, r.pattern.description))])
        }
        trie = PathTrie(entries) { existing, new in existing.merge(new) { a, _ in a } }
        hostRoutes = router.hostRoutes
        screen = router.screen
        credentialCookies = router.credentialCookies
    }

    /// The handler as the connection runs it: access first, then the body's schema, then the handler itself; a thrown
    /// `HTTPResponseError` becomes its answer.
    static func wrap(_ handler: Handler, doc: RouteDoc?, access: RouteAccess?) -> Handler {
        let check = access?.check
        let validate = doc?.body != nil ? doc : nil
        switch handler {
        case .inline(let h):
            return .inline { req in
                if let refused = check?(req) { return refused }
                do {
                    try validate?.check(req)
                    return try h(req)
                } catch let e as any HTTPResponseError { return e.response }
            }
        case .task(let h):
            return .task { req in
                if let refused = check?(req) { return refused }
                do {
                    try validate?.check(req)
                    return try await h(req)
                } catch let e as any HTTPResponseError { return e.response }
            }
        case .proxy:
            precondition(validate == nil, "a proxied route streams its body: it cannot declare one to validate")
            return handler
        }
    }

    func matchHost(_ host: String?) -> (Handler, [String: String])? {
        guard !hostRoutes.isEmpty, let host, let label = Router.hostLabel(host, suffixes: hostRoutes.map(\.suffix)) else { return nil }
        for (suffix, handler) in hostRoutes where Router.hostName(host).hasSuffix(suffix) { return (handler, ["host": label]) }
        return nil
    }

    /// Looks a request up. `path` is still percent-encoded; nil means a malformed escape.
    func match(method: String, path: String) -> Match? {
        let segments = PathPattern.split(path)
        // (utf8 scans: Foundation's String.contains goes through a locale-aware search, slow on this hot path)
        for s in segments where s.utf8.contains(0x25) && PercentEncoding.decode(s) == nil { return nil }
        guard let (handlers, params) = trie.match(segments) else { return .notFound }
        if let h = handlers[method] { return .found(h, params) }
        if method == "HEAD", let h = handlers["GET"] { return .found(h, params) }
        var allow = Set(handlers.keys)
        if allow.contains("GET") { allow.insert("HEAD") }
        allow.insert("OPTIONS")
        return .methodNotAllowed(allow.sorted())
    }
}
