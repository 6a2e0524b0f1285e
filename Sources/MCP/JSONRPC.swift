import Core

/// JSON-RPC 2.0 as MCP uses it: what a client sends (requests, notifications, its answers to ours) and the
/// envelopes we send back.
public enum JSONRPC {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    /// Implementation-defined (the -32000…-32099 range; -32001 is the TypeScript SDK's timeout, -32002 MCP's
    /// resource-not-found): the credential lacks the scope a method needs.
    public static let forbidden = -32003

    /// One message from the client.
    public enum Incoming: Sendable, Equatable {
        case request(id: JSONValue, method: String, params: JSONValue?)
        case notification(method: String, params: JSONValue?)
        /// A client's answer to a server request (we send none, so these are acknowledged and dropped).
        case response(id: JSONValue)
        /// Not a JSON-RPC message; answered with -32600 (and the id, when it had a usable one).
        case invalid(id: JSONValue, reason: String)

        public var isRequest: Bool { if case .request = self { return true }; return false }
        public var method: String? {
            switch self {
            case .request(_, let m, _), .notification(let m, _): return m
            default: return nil
            }
        }
    }

    public struct Failure: Error, Sendable, Equatable {
        public let code: Int
        public let message: String
        public init(_ code: Int, _ message: String) { self.code = code; self.message = message }
    }

    /// A POST body: one message, or a batch (an array of them). Throws `Failure(parseError)` for bytes that are not
    /// JSON, `Failure(invalidRequest)` for an empty batch or one over `maxBatch`.
    public static func parse(_ body: [UInt8], maxBatch: Int = 50) throws -> (messages: [Incoming], batch: Bool) {
        guard let value = JSONValue.parse(body) else { throw Failure(parseError, "Parse error: the body is not JSON. Send one JSON-RPC 2.0 message (or an array of them).") }
        if case .array(let items) = value {
            guard !items.isEmpty else { throw Failure(invalidRequest, "Invalid Request: an empty batch.") }
            guard items.count <= maxBatch else { throw Failure(invalidRequest, "Invalid Request: a batch holds at most \(maxBatch) messages.") }
            return (items.map(message), true)
        }
        return ([message(value)], false)
    }

    static func message(_ v: JSONValue) -> Incoming {
        guard let o = v.object else { return .invalid(id: .null, reason: "a message must be a JSON object") }
        let id = o["id"]
        let usableID: JSONValue = switch id {
        case .string?, .number?: id!
        default: .null
        }
        guard o["jsonrpc"]?.string == "2.0" else { return .invalid(id: usableID, reason: "\"jsonrpc\" must be \"2.0\"") }
        if let method = o["method"] {
            guard let name = method.string, !name.isEmpty else { return .invalid(id: usableID, reason: "\"method\" must be a string") }
            let params = o["params"]
            if let params, params.object == nil, params.array == nil { return .invalid(id: usableID, reason: "\"params\" must be an object or an array") }
            guard let id else { return .notification(method: name, params: params) }
            guard usableID != .null else { return .invalid(id: .null, reason: "\"id\" must be a string or a number") }
            return .request(id: id, method: name, params: params)
        }
        if o["result"] != nil || o["error"] != nil { return .response(id: usableID) }
        return .invalid(id: usableID, reason: "neither a request, a notification nor a response")
    }

    public static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    public static func error(id: JSONValue, _ f: Failure) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": ["code": JSONValue(f.code), "message": .string(f.message)]]
    }

    public static func notification(_ method: String, _ params: JSONValue? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { o["params"] = params }
        return .object(o)
    }
}
