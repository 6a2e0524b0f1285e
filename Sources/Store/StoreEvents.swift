import Core
import Foundation

/// Live events every replica sharing a store hears: PostgreSQL `LISTEN`/`NOTIFY`, on two connections of their own
/// (one listens, one sends). Alone on SQLite there is nobody else to tell: `publish` does nothing.
///
/// Delivery is at most once and only to replicas listening at the time: these events feed live views (a run's
/// progress, a chat's turn, a service's log lines) whose durable state is in the store anyway.
public final class StoreEvents: Sendable {
    public enum Channel: String, Sendable, CaseIterable {
        case runs, chats, logs
        /// A service row changed: replicas look at placements again at once instead of at their next turn.
        case services
    }

    /// PostgreSQL refuses payloads of 8000 bytes or more.
    public static let maxPayload = 7900
    /// Events waiting to be sent, at most: past this (the store is unreachable) the newest are dropped.
    static let maxPending = 10_000

    private let address: PostgresAddress?
    /// This process's mark on what it sends, so its own events are not handled twice.
    private let origin = UUID().uuidString
    private let handlers = Locked<[Channel: [@Sendable (JSONValue) -> Void]]>([:])
    private let outbox = Locked<(pending: [(Channel, String)], dropped: Int, stopped: Bool)>(([], 0, false))
    private let wake = Wakeup()
    private let started = Locked(false)

    public init(_ db: Database) {
        if case .postgres(let a) = db.location { address = a } else { address = nil }
    }

    /// Whether other replicas may hear (a shared store).
    public var isShared: Bool { address != nil }

    /// The channel's name in PostgreSQL: one set per schema, so installations sharing a database do not hear each other.
    func name(_ channel: Channel) -> String { "openpieces_\(channel.rawValue)_\(address?.schema ?? "public")" }

    /// Calls `handler` with every payload another process publishes on `channel`, on the listener's thread: it must be
    /// quick and not block.
    public func subscribe(_ channel: Channel, _ handler: @escaping @Sendable (JSONValue) -> Void) {
        handlers.withLock { $0[channel, default: []].append(handler) }
    }

    /// Sends `payload` to the other replicas; false when it is too large to send (the caller sends less).
    @discardableResult
    public func publish(_ channel: Channel, _ payload: JSONValue) -> Bool {
        guard isShared else { return true }
        let text = (["o": .string(origin), "p": payload] as JSONValue).text
        guard text.utf8.count <= StoreEvents.maxPayload else { return false }
        let queued = outbox.withLock { o -> Bool in
            guard !o.stopped else { return false }
            // Log lines yield first: a chatty service must not crowd out a run's end or a chat's turn.
            let room = channel == .logs ? StoreEvents.maxPending / 2 : StoreEvents.maxPending
            guard o.pending.count < room else { o.dropped += 1; return false }
            o.pending.append((channel, text))
            return true
        }
        if queued { wake.ring() }
        return true
    }

    /// Starts listening and sending (threads of their own; nothing on SQLite).
    public func start(logger: Logger) {
        guard let address, started.withLock({ s in defer { s = true }; return !s }) else { return }
        let listener = Thread { [self] in listen(address, logger) }
        listener.name = "op-store-listen"
        listener.start()
        let sender = Thread { [self] in send(address, logger) }
        sender.name = "op-store-notify"
        sender.start()
    }

    public func stop() {
        outbox.withLock { $0.stopped = true }
        wake.ring()
    }

    private var stopped: Bool { outbox.withLock { $0.stopped } }

    private func listen(_ address: PostgresAddress, _ logger: Logger) {
        var connection: PostgresConnection?
        while !stopped {
            do {
                if connection == nil {
                    let c = try PostgresConnection(address)
                    for channel in Channel.allCases { try c.exec("LISTEN \"\(name(channel))\"") }
                    connection = c
                }
                for (channel, payload) in try connection!.notifications(timeout: 0.5) {
                    deliver(channel, payload)
                }
            } catch {
                // Events sent meanwhile are missed: live views catch up from the store.
                logger.warn("store.listen_failed", ["error": "\(error)"])
                connection = nil
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    private func deliver(_ channelName: String, _ payload: String) {
        guard let channel = Channel.allCases.first(where: { name($0) == channelName }),
              let envelope = JSONValue.parse(Array(payload.utf8)), envelope["o"]?.string != origin, let body = envelope["p"] else { return }
        for h in handlers.withLock({ $0[channel] ?? [] }) { h(body) }
    }

    private func send(_ address: PostgresAddress, _ logger: Logger) {
        var connection: PostgresConnection?
        while true {
            let (batch, dropped, stop) = outbox.withLock { o -> ([(Channel, String)], Int, Bool) in
                defer { o.pending.removeAll(keepingCapacity: true); o.dropped = 0 }
                return (o.pending, o.dropped, o.stopped)
            }
            if dropped > 0 { logger.warn("store.events_dropped", ["count": "\(dropped)"]) }
            var unsent = batch[...]
            while let (channel, text) = unsent.first {
                do {
                    if connection == nil { connection = try PostgresConnection(address) }
                    _ = try connection!.query("SELECT pg_notify(?, ?)", [name(channel), text])
                    unsent.removeFirst()
                } catch {
                    logger.warn("store.notify_failed", ["error": "\(error)", "pending": "\(unsent.count)"])
                    connection = nil
                    if stop { return }
                    Thread.sleep(forTimeInterval: 1)
                }
            }
            if stop { return }
            wake.wait(until: Date().addingTimeInterval(1))
        }
    }
}
