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

public enum PercentEncoding {
    /// Decodes `%XX` escapes; nil when an escape is malformed or the result is not UTF-8.
    public static func decode<S: StringProtocol>(_ s: S, plusIsSpace: Bool = false) -> String? {
        guard s.utf8.contains(where: { $0 == 0x25 || (plusIsSpace && $0 == 0x2B) }) else { return String(s) }
        let utf8 = Array(s.utf8)
        var out = [UInt8]()
        out.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            let c = utf8[i]
            if c == 0x25 {
                guard i + 2 < utf8.count, let hi = hexValue(utf8[i + 1]), let lo = hexValue(utf8[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(plusIsSpace && c == 0x2B ? 0x20 : c)
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}
