import Core
import Synchronization

/// Which services answer on which port, readable without waiting: the reverse proxy decides on the event loop.
public final class LiveServices: Sendable {
    private let ports = Locked<[String: Int]>([:])

    public init() {}

    public func port(_ slug: String) -> Int? { ports.withLock { $0[slug] } }

    func set(_ slug: String, port: Int?) {
        ports.withLock { $0[slug] = port }
    }
}
