import Core
import Foundation
import Store

/// Live progress of runs, fanned out to whoever follows them (the SSE route, the CLI's `runs follow`), on this
/// replica and, through the store's events, on every other one sharing the store.
public final class RunFeed: Sendable {
    public struct Event: Sendable {
        public let run: String
        /// `status`, `step_started`, `step`, `text`, `done`.
        public let name: String
        public let data: JSONValue
    }

    private let followers = FanOut<String, Event>(buffer: 1000)
    private let events: StoreEvents?

    public init(events: StoreEvents? = nil) {
        self.events = events
        events?.subscribe(.runs) { [weak self] p in
            guard let run = p["run"]?.string, let name = p["name"]?.string else { return }
            self?.deliver(Event(run: run, name: name, data: p["data"] ?? .null))
        }
    }

    /// Follows one run; the stream ends after its `done` event.
    public func follow(_ run: String) -> AsyncStream<Event> { followers.follow(run) }

    public func publish(_ run: String, _ name: String, _ data: JSONValue) {
        let event = Event(run: run, name: name, data: data)
        deliver(event)
        if let events, !events.publish(.runs, ["run": .string(run), "name": .string(name), "data": data]) {
            // Too large to send whole (a step's long output): the others' followers learn it happened.
            events.publish(.runs, ["run": .string(run), "name": .string(name), "data": ["truncated": true]])
        }
    }

    /// Hands an event to this replica's followers of its run.
    private func deliver(_ event: Event) { followers.yield(event.run, event, last: event.name == "done") }
}
