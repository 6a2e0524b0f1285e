import Core
import Crypto
import Foundation
import HTTPClient
import Store
import Synchronization

/// Sends queued deliveries: a thread that wakes when something is queued or a retry is due, and posts each with
/// `X-OpenPieces-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook's secret>`.
public final class WebhookDispatcher: Sendable {
    let store: WebhookStore
    let logger: Logger
    let retryBase: TimeInterval
    let client = HTTPClient(maxResponseBytes: 64 * 1024)
    private let doorbell = Wakeup()
    private let state = Locked<(started: Bool, stopping: Bool)>((false, false))

    public init(store: WebhookStore, logger: Logger, retryBase: TimeInterval = 5) {
        self.store = store
        self.logger = logger
        self.retryBase = retryBase
    }

    /// Queues an event for the webhooks that want it.
    public func emit(_ event: String, _ data: JSONValue) {
        do {
            if try store.enqueue(event, data) > 0 { doorbell.ring() }
        } catch {
            logger.error("webhooks.enqueue_failed", ["event": event, "error": "\(error)"])
        }
    }

    public func ping(_ webhookID: String) throws {
        try store.enqueue("ping", ["message": "A test delivery from OpenPieces."], only: webhookID)
        doorbell.ring()
    }

    public func start() {
        guard state.withLock({ s -> Bool in defer { s.started = true }; return !s.started }) else { return }
        let thread = Thread { [self] in loop() }
        thread.name = "webhooks"
        thread.start()
    }

    public func shutdown() {
        state.withLock { $0.stopping = true }
        doorbell.ring()
    }

    private func loop() {
        while !state.withLock({ $0.stopping }) {
            let due = (try? store.claimDue(now: Date())) ?? []
            if !due.isEmpty {
                let done = DispatchSemaphore(value: 0)
                let deliveries = due
                Task { [self] in
                    await withTaskGroup(of: Void.self) { group in
                        for d in deliveries { group.addTask { await self.send(d) } }
                    }
                    done.signal()
                }
                done.wait()
                continue
            }
            let next = ((try? store.nextDue()) ?? nil) ?? .distantFuture
            // Other replicas queue deliveries without ringing this doorbell: on a shared store, look every `sharedPoll`.
            doorbell.wait(until: min(next, Date().addingTimeInterval(store.isShared ? Database.sharedPoll : 30)))
        }
    }

    static func signature(secret: [UInt8], timestamp: Int, body: [UInt8]) -> String {
        "t=\(timestamp),v1=" + Hex.encode(Digest.hmacSHA256(key: secret, message: Array("\(timestamp).".utf8) + body))
    }

    func send(_ d: WebhookStore.Due) async {
        let body = Array(d.payload.utf8)
        let t = Int(Date().timeIntervalSince1970)
        let started = Date()
        var status: Int?, error: String?
        do {
            let r = try await client.send(ClientRequest(method: "POST", url: d.url, headers: [
                ("Content-Type", "application/json"), ("User-Agent", "OpenPieces-Webhooks"), ("X-OpenPieces-Event", d.event),
                ("X-OpenPieces-Delivery", d.id), ("X-OpenPieces-Signature", WebhookDispatcher.signature(secret: d.secret, timestamp: t, body: body)),
            ], body: body, timeout: 10))
            status = r.status
            if !(200..<300).contains(r.status) { error = "answered \(r.status)" }
        } catch let e {
            error = "\(e)"
        }
        let ms = Int(Date().timeIntervalSince(started) * 1000)
        do { try store.record(d, status: status, error: error, ms: ms, retryBase: retryBase) } catch {
            logger.error("webhooks.record_failed", ["delivery": d.id, "error": "\(error)"])
        }
        logger.info("webhooks.attempt", ["delivery": d.id, "event": d.event, "status": status.map(String.init) ?? "-", "ms": "\(ms)",
                                         "error": error ?? ""])
    }
}
