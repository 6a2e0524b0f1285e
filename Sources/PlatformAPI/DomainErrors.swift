import Agents
import Brain
import HTTPServer
import Secrets
import Services
import Workflows

// The answers of the domain's errors: the router turns any of them a handler throws into its status and envelope,
// so no route catches them by hand.

extension ServiceManager.Failure: HTTPResponseError {
    public var status: Int {
        switch kind {
        case .notFound: 404
        case .invalid: 400
        case .conflict: 409
        case .rejected: 422
        case .notRunning: 503
        case .serviceFailed: 502
        }
    }

    public var message: String { description }

    /// A service that does not run now may later (started, or moved to another replica): say when to ask again.
    public var headers: [(String, String)] { kind == .notRunning ? [("Retry-After", "2")] : [] }
}

extension ChatService.Failure: HTTPResponseError {
    public var status: Int {
        switch self {
        case .noSuchChat: 404
        case .invalidMessage: 400
        case .busy: 409
        }
    }

    public var code: String {
        switch self {
        case .noSuchChat: "not_found"
        case .invalidMessage: "invalid_message"
        case .busy: "busy"
        }
    }

    public var message: String { description }
}

extension WorkflowStore.Invalid: HTTPResponseError {
    public var status: Int { kind == .conflict ? 409 : 400 }
    public var code: String { kind == .conflict ? "conflict" : "invalid_workflow" }
    public var message: String { description }
}

extension Brain.Invalid: HTTPResponseError {
    public var status: Int { 400 }
    public var code: String { "invalid_entry" }
    public var message: String { description }
}

extension SecretStore.Failure: HTTPResponseError {
    public var status: Int { 400 }
    public var code: String { "invalid_secret" }
    public var message: String { description }
}
