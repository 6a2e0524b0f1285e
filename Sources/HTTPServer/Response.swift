import Core
import Foundation

/// What a handler answers. Bodies are either bytes, a stream written as it is produced, or a WebSocket upgrade.
public struct Response: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body

    public enum Body: Sendable {
        case bytes([UInt8])
        /// Written in chunks as the closure produces them (SSE, proxied bodies). `length` when known up front.
        case stream(length: Int?, @Sendable (BodyWriter) async throws -> Void)
        /// Switches the connection to WebSocket after a 101 answer.
        case webSocket(@Sendable (WebSocket) async -> Void)
    }

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: .bytes(Array(text.utf8)))
    }

    public static func json(raw: String, status: Int = 200) -> Response {
        Response(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: .bytes(Array(raw.utf8)))
    }

    public static func jsonValue(_ v: JSONValue, status: Int = 200) -> Response {
        Response(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: .bytes(v.bytes))
    }

    public static func json<T: Encodable>(_ value: T, status: Int = 200) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: .bytes(Array(data)))
    }

    /// The product's one error envelope: `{"error":{"code":…,"message":…}}`.
    public static func error(_ status: Int, code: String, message: String) -> Response {
        json(raw: JSONText.errorEnvelope(code: code, message: message), status: status)
    }

    public static func error(_ e: HTTPError) -> Response { e.response }
}

/// Thrown by handlers to answer with the error envelope and a status.
public struct HTTPError: Error, Sendable, Equatable {
    public let status: Int
    public let code: String
    public let message: String
    public var headers: [(String, String)] = []

    public init(_ status: Int, code: String, message: String, headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public static func == (a: HTTPError, b: HTTPError) -> Bool {
        a.status == b.status && a.code == b.code && a.message == b.message
    }

    public static func badRequest(_ message: String) -> HTTPError { HTTPError(400, code: "bad_request", message: message) }
    public static func notFound(_ message: String) -> HTTPError { HTTPError(404, code: "not_found", message: message) }
}
