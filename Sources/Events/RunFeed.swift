import Core
import Foundation
import Store
import Synchronization

/// Live progress of runs, fanned out to whoever follows them (the SSE route, the CLI's `runs follow`), on this
/// replica and, through the store's events, on every other one sharing the store.
public final class RunFeed: Sendable {
    public struct Event: Sendable {
        public let run: String
        /// `status`, `step_started`, `step`, `text`, `done`.
        public let name: String
        public let data: JSONValue
    }

    private let followers = Locked<[String: [UUID: AsyncStream<Event>.Continuation]]>([:])
    private let events: StoreEvents?

    public init(events: StoreEvents? = nil) {
        self.events = events
        events?.subscribe(.runs) { [weak self] p in
            guard let run = p["run"]?.string, let name = p["name"]?.string else { return }
            self?.deliver(Event(run: run, name: name, data: p["data"] ?? .null))
        }
    }

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
        deliver(event)
        if let events, !events.publish(.runs, ["run": .string(run), "name": .string(name), "data": data]) {
            // Too large to send whole (a step's long output): the others' followers learn it happened.
            events.publish(.runs, ["run": .string(run), "name": .string(name), "data": ["truncated": true]])
        }
    }

    /// Hands an event to this replica's followers of its run.
    private func deliver(_ event: Event) {
        let run = event.run, name = event.name
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
