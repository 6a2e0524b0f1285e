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

public enum ProxyDecision: Sendable {
    /// Forward to 127.0.0.1:`port` with this request target (path and query). `prefix` goes to the service as
    /// `X-Forwarded-Prefix` (where its URLs live on this server); `sandboxed` answers with
    /// `Content-Security-Policy: sandbox …`, so pages served on the platform's own origin run in an opaque one.
    case forward(port: Int, target: String, prefix: String = "", sandboxed: Bool = false)
    /// Answer here instead (service not running, unknown slug...).
    case respond(Response)
}

/// Routes with `:name` path parameters and a trailing `*name` catch-all, telling 404 from 405.
/// Built before the server starts, then immutable.
public struct Router: Sendable {
    public struct RouteKey: Hashable, Sendable {
        public let method: String
        public let pattern: String
        public init(method: String, pattern: String) { self.method = method; self.pattern = pattern }
    }

    /// A class, so a lookup walks references instead of copying (and retaining) each node's tables.
    /// Mutated only while routes are added, before the server starts; read-only after.
    final class Node: @unchecked Sendable {
        /// Keyed by Substring so a lookup with a path segment allocates nothing.
        var statics: [Substring: Node] = [:]
        var param: (name: String, node: Node)?
        var catchAll: (name: String, handlers: [String: Handler])?
        var handlers: [String: Handler] = [:]
    }

    enum Match {
        case found(Handler, [String: String])
        case methodNotAllowed([String])
        case notFound
        /// The screen answered before routing (wrong Host, cross-site browser request).
        case refused(Response)
    }

    private var root = Node()
    /// Runs before every inline and task handler (not the proxy): answers a response (401, 403, 429…) to refuse
    /// the request, nil to let it through. Authentication lives here; it must be quick (it may run on the event loop).
    public var gate: (@Sendable (Request) -> Response?)?
    /// Runs on the head of every request, proxied ones included, before routing: answers a response (421, 403…)
    /// to refuse it, nil to let it through. It runs on the event loop: it must be quick.
    public var screen: (@Sendable (ScreenedRequest) -> Response?)?
    /// Cookies that are the platform's own credentials: never forwarded to a service.
    public var credentialCookies: Set<String> = []
    /// Host-based routing: a request whose Host ends with one of the suffixes goes to its handler, with the label
    /// before it as the `host` parameter (e.g. `notes.svc.example.com` → `notes`).
    private(set) var hostRoutes: [(suffix: String, handler: Handler)] = []

    public init() {}

    public mutating func host(suffix: String, _ handler: Handler) {
        hostRoutes.append((suffix.lowercased(), handler))
    }

    func matchHost(_ host: String?) -> (Handler, [String: String])? {
        guard !hostRoutes.isEmpty, let host, let label = Router.hostLabel(host, suffixes: hostRoutes.map(\.suffix)) else { return nil }
        for (suffix, handler) in hostRoutes where Router.hostName(host).hasSuffix(suffix) { return (handler, ["host": label]) }
        return nil
    }

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

    /// Every route added, in order (for the API's route listing and tests that must cover every route).
    public private(set) var patterns: [(method: String, pattern: String)] = []

    /// The documentation of the routes that carry one, by method and pattern (the OpenAPI document is built from it).
    public private(set) var docs: [RouteKey: RouteDoc] = [:]

    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) { add(method, pattern, nil, handler) }

    /// With a `doc` that declares a request body, the handler runs only for a body its schema accepts.
    public mutating func add(_ method: String, _ pattern: String, _ doc: RouteDoc?, _ handler: Handler) {
        let method = method.uppercased()
        patterns.append((method, pattern))
        var handler = handler
        if let doc {
            docs[RouteKey(method: method, pattern: pattern)] = doc
            if doc.body != nil {
                switch handler {
                case .inline(let h): handler = .inline { req in try doc.check(req); return try h(req) }
                case .task(let h): handler = .task { req in try doc.check(req); return try await h(req) }
                case .proxy: preconditionFailure("a proxied route streams its body: it cannot declare one to validate")
                }
            }
        }
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        Router.insert(root, segments[...], method, handler, route: "\(method) \(pattern)")
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

    /// A route added twice is a bug (the later one would silently win): it stops the program at start-up.
    private static func insert(_ node: Node, _ segments: ArraySlice<String>, _ method: String, _ handler: Handler, route: String) {
        guard let first = segments.first else {
            precondition(node.handlers[method] == nil, "the route \(route) is added twice: keep one")
            node.handlers[method] = handler
            return
        }
        let rest = segments.dropFirst()
        if first.hasPrefix("*") {
            precondition(rest.isEmpty, "a catch-all segment must be last")
            var handlers = node.catchAll?.handlers ?? [:]
            precondition(handlers[method] == nil, "the route \(route) is added twice: keep one")
            handlers[method] = handler
            node.catchAll = (String(first.dropFirst()), handlers)
        } else if first.hasPrefix(":") {
            let name = String(first.dropFirst())
            if node.param == nil { node.param = (name, Node()) }
            precondition(node.param!.name == name, "conflicting parameter names at the same position")
            insert(node.param!.node, rest, method, handler, route: route)
        } else {
            let child = node.statics[Substring(first)] ?? Node()
            node.statics[Substring(first)] = child
            insert(child, rest, method, handler, route: route)
        }
    }

    /// The non-empty segments of a path (at most 65), split on the UTF-8 bytes: `String.split` walks grapheme
    /// clusters, which costs more than the rest of routing.
    package static func segments(_ path: String) -> [Substring] {
        var out: [Substring] = []
        let u = path.utf8
        var start = u.startIndex, i = start
        while i != u.endIndex, out.count <= 64 {
            if u[i] == 0x2F {
                if i != start { out.append(path[start..<i]) }
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        if start != u.endIndex, out.count <= 64 { out.append(path[start..<u.endIndex]) }
        return out
    }

    /// Looks a request up. `path` is still percent-encoded; nil parameters mean a malformed escape.
    func match(method: String, path: String) -> Match? {
        let segments = Router.segments(path)
        // (utf8 scans: Foundation's String.contains goes through a locale-aware search, slow on this hot path)
        for s in segments where s.utf8.contains(0x25) && PercentEncoding.decode(s) == nil { return nil }
        var params: [String: String] = [:]
        guard let handlers = Router.find(root, segments[...], &params) else { return .notFound }
        if let h = handlers[method] { return .found(h, params) }
        if method == "HEAD", let h = handlers["GET"] { return .found(h, params) }
        var allow = Set(handlers.keys)
        if allow.contains("GET") { allow.insert("HEAD") }
        allow.insert("OPTIONS")
        return .methodNotAllowed(allow.sorted())
    }

    private static func find(_ node: Node, _ segments: ArraySlice<Substring>, _ params: inout [String: String]) -> [String: Handler]? {
        guard let first = segments.first else {
            if !node.handlers.isEmpty { return node.handlers }
            if let c = node.catchAll { params[c.name] = ""; return c.handlers }
            return nil
        }
        let rest = segments.dropFirst()
        if let child = node.statics[first], let found = find(child, rest, &params) { return found }
        if let p = node.param, let decoded = PercentEncoding.decode(first) {
            // Try the parameter branch in place; undo if it leads nowhere (no dictionary copy on the hot path).
            let previous = params.updateValue(decoded, forKey: p.name)
            if let found = find(p.node, rest, &params) { return found }
            if let previous { params[p.name] = previous } else { params.removeValue(forKey: p.name) }
        }
        if let c = node.catchAll {
            // The rest of the path as it came (a trailing slash included).
            let path = first.base
            params[c.name] = String(path[first.startIndex..<path.endIndex])
            return c.handlers
        }
        return nil
    }
}
