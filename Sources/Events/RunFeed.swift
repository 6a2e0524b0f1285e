import Core
import Foundation
import Synchronization

/// Live progress of runs, fanned out to whoever follows them (the SSE route, the CLI's `runs follow`).
public final class RunFeed: Sendable {
    public struct Event: Sendable {
        public let run: String
        /// `status`, `step_started`, `step`, `text`, `done`.
        public let name: String
        public let data: JSONValue
    }

    private let followers = Locked<[String: [UUID: AsyncStream<Event>.Continuation]]>([:])

    public init() {}

    /// Follows one run; the stream ends after its `done` event.
    public func follow(_ run: String) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        let token = UUID()
        followers.withLock { $0[run, default: [:]][token] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.followers.withLock { f in
                f[run]?.removeValue(forKey: token)
                if f[run]?.isEmpty == true { f.removeValue(forKey: run) }
            }
        }
        return stream
    }

    public func publish(_ run: String, _ name: String, _ data: JSONValue) {
        let event = Event(run: run, name: name, data: data)
        let targets = followers.withLock { f -> [AsyncStream<Event>.Continuation] in
            let t = Array((f[run] ?? [:]).values)
            if name == "done" { f.removeValue(forKey: run) }
            return t
        }
        // Outside the lock: finishing runs the termination handler, which takes it.
        for t in targets {
            t.yield(event)
            if name == "done" { t.finish() }
        }
    }
}
