import Core
import Crypto

/// One tool as MCP lists it, and how to run it.
public struct MCPTool: Sendable {
    public let name: String
    public let title: String?
    public let description: String
    /// Always an object schema (MCP requires `type: object`).
    public let inputSchema: JSONValue
    public let readOnly: Bool
    public let run: @Sendable (JSONValue) async throws -> MCPToolResult

    public init(name: String, title: String? = nil, description: String, inputSchema: JSONValue, readOnly: Bool = false,
                run: @escaping @Sendable (JSONValue) async throws -> MCPToolResult) {
        self.name = name
        self.title = title
        self.description = description
        self.inputSchema = inputSchema
        self.readOnly = readOnly
        self.run = run
    }

    var listing: JSONValue {
        var o: [String: JSONValue] = ["name": .string(name), "description": .string(description), "inputSchema": inputSchema]
        if let title { o["title"] = .string(title) }
        o["annotations"] = ["readOnlyHint": .bool(readOnly)]
        return .object(o)
    }
}

/// What a tool call answers: text for the model, the same as JSON (`structuredContent`), and whether it failed.
public struct MCPToolResult: Sendable, Equatable {
    public var text: String
    public var structured: JSONValue?
    public var isError: Bool

    public init(text: String, structured: JSONValue? = nil, isError: Bool = false) {
        self.text = text
        self.structured = structured
        self.isError = isError
    }

    var json: JSONValue {
        var o: [String: JSONValue] = ["content": [["type": "text", "text": .string(text)]], "isError": .bool(isError)]
        // structuredContent must be an object.
        if let structured, structured.object != nil { o["structuredContent"] = structured }
        return .object(o)
    }
}

/// Every tool offered right now: the fixed memory tools, then one per endpoint of each running action service.
public struct ToolCatalogue: Sendable {
    let fixed: [MCPTool]
    let dynamic: @Sendable () async throws -> [MCPTool]

    public init(fixed: [MCPTool], dynamic: @escaping @Sendable () async throws -> [MCPTool]) {
        self.fixed = fixed
        self.dynamic = dynamic
    }

    /// Fixed tools first: on a name clash they win (see `ToolSnapshot`, which finds a tool for a call).
    public func all() async throws -> [MCPTool] { fixed + (try await dynamic()) }
}

/// Tool names for service endpoints: `<slug>__<method>_<path words>` in `[a-zA-Z0-9_-]`, at most 64 characters,
/// the same for the same endpoint every time; endpoints whose names would clash (or be cut short) get a hash of
/// "METHOD path" as a suffix, so each stays unique.
public enum ToolNames {
    public static let maxLength = 64

    public static func base(slug: String, method: String, path: String) -> String {
        let words = path.split(separator: "/").map { seg -> String in
            let w = seg.hasPrefix(":") ? "by_" + seg.dropFirst() : String(seg)
            return String(w.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "_" })
        }.filter { !$0.isEmpty }
        return slug + "__" + ([method.lowercased()] + words).joined(separator: "_")
    }

    static func hashed(_ base: String, slug: String, method: String, path: String) -> String {
        let h = String(Hex.encode(Digest.sha256(Array("\(slug) \(method.uppercased()) \(path)".utf8))).prefix(8))
        return String(base.prefix(maxLength - 9)) + "_" + h
    }

    /// Names for one service's endpoints, in order: unique among them, and unique against other services' names
    /// because the slug (unique itself) leads every one.
    public static func names(slug: String, endpoints: [(method: String, path: String)]) -> [String] {
        let bases = endpoints.map { base(slug: slug, method: $0.method, path: $0.path) }
        var counts: [String: Int] = [:]
        for b in bases { counts[b, default: 0] += 1 }
        return zip(bases, endpoints).map { b, e in
            (counts[b]! > 1 || b.count > maxLength) ? hashed(b, slug: slug, method: e.method, path: e.path) : b
        }
    }

    public static func isValid(_ name: String) -> Bool {
        (1...maxLength).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
