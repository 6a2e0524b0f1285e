import Core
import Synchronization

/// Which services answer on which port, readable without waiting: the reverse proxy decides on the event loop.
public final class LiveServices: Sendable {
    /// A service came up (with its port) or went down (stopped, crashed, restarting): what the MCP tool list follows.
    public struct Change: Sendable, Equatable {
        public let slug: String
        /// Nil when it no longer answers.
        public let port: Int?
    }

    private let ports = Locked<[String: Int]>([:])
    private let observers = Locked<[@Sendable (Change) -> Void]>([])

    public init() {}

    public func port(_ slug: String) -> Int? { ports.withLock { $0[slug] } }

    /// Called on every change, from whoever made it (the supervisor): it must be quick and not block.
    public func onChange(_ handler: @escaping @Sendable (Change) -> Void) { observers.withLock { $0.append(handler) } }

    func set(_ slug: String, port: Int?) {
        let changed = ports.withLock { p -> Bool in
            guard p[slug] != port else { return false }
            p[slug] = port
            return true
        }
        guard changed else { return }
        // Outside the lock: a handler may read the ports.
        for h in observers.withLock({ $0 }) { h(Change(slug: slug, port: port)) }
    }
}
