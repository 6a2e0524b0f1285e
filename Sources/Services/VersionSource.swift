import Core

/// What produced a version of a service, recorded when it is deployed (never inferred later).
public enum VersionSource: Sendable, Equatable {
    /// Files sent through the API or the CLI.
    case upload
    /// The code-generation agent, commissioned by a chat's `build_service`; `session` is the agent's own transcript.
    case chat(chatID: String, session: String?)
    /// The code-generation agent, repairing a crash.
    case repair(repairID: String, session: String?)
    /// The code-generation agent, commissioned by neither (a direct build).
    case codegen(session: String)
    /// Deployed before sources were recorded.
    case unknown

    /// The same origin with the code-generation session that wrote the files.
    public func with(session: String) -> VersionSource {
        switch self {
        case .chat(let id, _): .chat(chatID: id, session: session)
        case .repair(let id, _): .repair(repairID: id, session: session)
        case .upload, .codegen, .unknown: .codegen(session: session)
        }
    }

    /// The columns it is stored in: kind, the chat or repair id, the session id.
    var columns: (kind: String, id: String?, session: String?) {
        switch self {
        case .upload: ("upload", nil, nil)
        case .chat(let id, let s): ("chat", id, s)
        case .repair(let id, let s): ("repair", id, s)
        case .codegen(let s): ("codegen", nil, s)
        case .unknown: ("unknown", nil, nil)
        }
    }

    init(kind: String?, id: String?, session: String?) {
        switch (kind, id, session) {
        case ("upload", _, _): self = .upload
        case ("chat", let id?, let s): self = .chat(chatID: id, session: s)
        case ("repair", let id?, let s): self = .repair(repairID: id, session: s)
        case ("codegen", _, let s?): self = .codegen(session: s)
        default: self = .unknown
        }
    }

    public var json: JSONValue {
        let c = columns
        var o: [String: JSONValue] = ["kind": .string(c.kind)]
        switch self {
        case .chat(let id, _): o["chat"] = .string(id)
        case .repair(let id, _): o["repair"] = .string(id)
        default: break
        }
        if let s = c.session { o["session"] = .string(s) }
        return .object(o)
    }
}

/// One version of a service: its number, when it was deployed, and what produced it.
public struct VersionRecord: Sendable, Equatable {
    public var version: Int
    public var created: String
    public var source: VersionSource
}
