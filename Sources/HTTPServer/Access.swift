/// Who may call one route: its check runs before the handler (and before the body is validated). It must be quick:
/// an inline route runs it on the event loop.
public struct RouteAccess: Sendable {
    /// The credential scope a caller needs, as the API document states it; nil when the route asks for none.
    public let scope: String?
    /// Answers a refusal (401, 403…), or nil to let the request through.
    public let check: (@Sendable (Request) -> Response?)?

    public init(scope: String?, check: (@Sendable (Request) -> Response?)?) {
        self.scope = scope
        self.check = check
    }

    /// Anyone may call it.
    public static let open = RouteAccess(scope: nil, check: nil)
}

/// What a group of routes asks of their callers, made into one `RouteAccess` per route when the route is added (the
/// scope may follow its method: reading needs less than changing).
public struct AccessRule: Sendable {
    let make: @Sendable (_ method: String, _ pattern: String) -> RouteAccess

    public init(_ make: @escaping @Sendable (_ method: String, _ pattern: String) -> RouteAccess) { self.make = make }

    public func access(_ method: String, _ pattern: String) -> RouteAccess { make(method, pattern) }

    /// Routes anyone may call: said out loud where they are declared.
    public static let open = AccessRule { _, _ in .open }
}
