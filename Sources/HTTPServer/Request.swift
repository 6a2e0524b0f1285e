import Core

/// One parsed HTTP request, body included (bodies are bounded by `ServerLimits.maxBodyBytes`).
public struct Request: Sendable {
    public let method: String
    /// The request target as sent (origin-form), e.g. `/assets/search?query=x`.
    public let target: String
    /// The path part of the target, still percent-encoded.
    public let path: String
    /// The raw query string without `?`, or empty.
    public let rawQuery: String
    public let version: HTTPVersion
    public let headers: HTTPHeaders
    public let body: [UInt8]
    /// A request id: the client's `X-Request-Id` when it is sane, else one we made.
    public let requestID: String
    /// Values of `:name` and `*name` segments of the matched route, percent-decoded.
    public internal(set) var parameters: [String: String] = [:]
    /// The client's IP address (for rate limits and logs).
    public internal(set) var peer: String = ""

    public init(method: String, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(),
                body: [UInt8] = [], requestID: String = "test") {
        self.method = method
        self.target = target
        let (p, q) = Request.splitTarget(target)
        self.path = p
        self.rawQuery = q
        self.version = version
        self.headers = headers
        self.body = body
        self.requestID = requestID
    }

    /// Query parameters, percent-decoded (`+` as space). The last value wins for repeated names.
    public var query: [String: String] { QueryString.parse(rawQuery) }

    /// A path or catch-all parameter of the matched route.
    public func parameter(_ name: String) -> String? { parameters[name] }

    /// A path parameter the handler cannot do without: 400 with the error envelope when the route has none by that name.
    public func require(_ name: String) throws -> String {
        guard let value = parameters[name] else {
            throw HTTPError(400, code: "missing_parameter", message: "This call needs the path parameter '\(name)'. See GET /api/v1/openapi.json.")
        }
        return value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    package static func splitTarget(_ target: String) -> (String, String) {
        // The common case: origin-form without a query.
        if target.utf8.first == 0x2F, !target.utf8.contains(0x3F) { return (target, "") }
        var t = Substring(target)
        // absolute-form (proxies): drop scheme and authority.
        if t.hasPrefix("http://") || t.hasPrefix("https://") {
            t = t.drop(while: { $0 != ":" }).dropFirst(3)
            if let slash = t.firstIndex(of: "/") { t = t[slash...] } else { t = "/" }
        }
        if let q = t.firstIndex(of: "?") {
            return (String(t[..<q]), String(t[t.index(after: q)...]))
        }
        return (String(t), "")
    }
}

public enum HTTPVersion: Sendable, Equatable {
    case http1_0, http1_1

    var text: String { self == .http1_0 ? "HTTP/1.0" : "HTTP/1.1" }
}

public enum QueryString {
    public static func parse(_ raw: String) -> [String: String] {
        var out: [String: String] = [:]
        guard !raw.isEmpty else { return out }
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = PercentEncoding.decode(parts[0], plusIsSpace: true) else { continue }
            let value = parts.count > 1 ? (PercentEncoding.decode(parts[1], plusIsSpace: true) ?? "") : ""
            out[key] = value
        }
        return out
    }
}
