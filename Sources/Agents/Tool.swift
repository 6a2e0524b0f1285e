import Foundation
import Core
import LLM

/// A capability an agent may use: a name, what it does, a JSON Schema of its input, and the work.
public struct Tool: Sendable {
    public let name: String
    public let description: String
    public let parameters: JSONValue
    public let run: @Sendable (JSONValue, ToolContext) async throws -> JSONValue

    public init(name: String, description: String, parameters: JSONValue, run: @escaping @Sendable (JSONValue, ToolContext) async throws -> JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.run = run
    }

    var definition: ToolDefinition { ToolDefinition(name: name, description: description, parameters: parameters) }
}

/// What a running tool may use besides its input: a way to report progress to whoever watches the turn.
public struct ToolContext: Sendable {
    public let progress: @Sendable (String) async -> Void
    /// The chat whose turn runs the tool, if any: work it commissions (a build) is accounted to it.
    public let chatID: String?

    public init(progress: @escaping @Sendable (String) async -> Void = { _ in }, chatID: String? = nil) {
        self.progress = progress
        self.chatID = chatID
    }
}

/// A tool's failure that the model should see and can act on (bad input, a missing service...).
public struct ToolFailure: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// A failure that may pass if tried again later (the service was down, or answered 5xx): an agent that can defer
/// its work (the Events agent) stops its turn and is retried with backoff; the step is recorded as retryable.
public struct RetryLater: Error, Sendable {
    public static let code = "retry_later"
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// One registry shared by every agent; each agent is given its own subset.
public struct ToolRegistry: Sendable {
    private var tools: [String: Tool] = [:]

    public init(_ tools: [Tool] = []) {
        for t in tools { register(t) }
    }

    public mutating func register(_ tool: Tool) { tools[tool.name] = tool }

    public func subset(_ names: [String]) -> [Tool] { names.compactMap { tools[$0] } }

    public var names: [String] { tools.keys.sorted() }

    public subscript(name: String) -> Tool? { tools[name] }
}

/// A tool's input as a type: decoded from the arguments the model sent (after they passed the tool's schema), so a
/// tool reads fields, never unwraps them.
public protocol ToolInput: Decodable, Sendable {}

extension Tool {
    public init<Input: ToolInput>(name: String, description: String, parameters: JSONValue, _ input: Input.Type,
                                  run: @escaping @Sendable (Input, ToolContext) async throws -> JSONValue) {
        self.init(name: name, description: description, parameters: parameters) { json, context in
            try await run(try Tool.decode(Input.self, json), context)
        }
    }

    static func decode<Input: ToolInput>(_ type: Input.Type, _ json: JSONValue) throws -> Input {
        do { return try JSONDecoder().decode(Input.self, from: Data(json.bytes)) } catch let DecodingError.keyNotFound(key, _) {
            throw ToolFailure("'\(key.stringValue)' is required")
        } catch let DecodingError.typeMismatch(_, c) {
            throw ToolFailure("'\(c.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type: \(c.debugDescription)")
        } catch {
            throw ToolFailure("the arguments do not fit this tool: \(error)")
        }
    }
}

/// Inputs shared by several tools.
public struct SlugInput: ToolInput { public let slug: String }
