import Core
import Foundation
import Synchronization

/// What changed in the store, for clients that keep `/assets/stream/identifiers` and
/// `/conversations/stream/identifiers` open.
struct Change: Sendable, Equatable {
    enum Kind: Sendable { case asset, conversation, anchor, application }
    var kind: Kind
    var id: String
    var deleted: Bool
}

/// Fan-out of changes to subscribers. A subscriber that falls 4096 changes behind is disconnected rather than
/// silently skipped: on reconnect it gets a fresh snapshot, so its view is never wrong.
final class ChangeFeed: Sendable {
    private let subscribers = Locked<[UUID: AsyncStream<Change>.Continuation]>([:])

    func subscribe() -> AsyncStream<Change> {
        let (stream, continuation) = AsyncStream<Change>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let token = UUID()
        subscribers.withLock { $0[token] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: token) }
        }
        return stream
    }

    func publish(_ change: Change) {
        let all = subscribers.withLock { Array($0.values) }
        for c in all {
            if case .dropped = c.yield(change) { c.finish() }
        }
    }
}
