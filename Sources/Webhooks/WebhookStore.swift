import Core
import Crypto
import Foundation
import Store

/// Outgoing webhooks: URLs that receive the platform's events, signed with a per-webhook secret (kept sealed with
/// the master key, shown once). Every delivery is stored before it is sent and every attempt is recorded.
public final class WebhookStore: Sendable {
    public static let migrations: [Migration] = [
        Migration(16, "webhooks") { d in """
            CREATE TABLE webhooks (
                id TEXT PRIMARY KEY,
                url TEXT NOT NULL,
                events TEXT NOT NULL,
                secret \(d.bytes) NOT NULL,
                created TEXT NOT NULL
            );
            CREATE TABLE webhook_deliveries (
                id TEXT PRIMARY KEY,
                webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                event TEXT NOT NULL,
                payload TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt TEXT NOT NULL,
                created TEXT NOT NULL
            );
            CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt);
            CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, created);
            CREATE TABLE webhook_attempts (
                delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
                n INTEGER NOT NULL,
                at TEXT NOT NULL,
                status INTEGER,
                error TEXT,
                ms INTEGER NOT NULL,
                PRIMARY KEY (delivery_id, n)
            );
            """ },
    ]

    public static let events = ["chat.message.completed", "service.deployed", "service.crashed", "run.succeeded", "run.failed"]
    public static let maxWebhooks = 20
    public static let maxAttempts = 6

    public struct Invalid: Error, CustomStringConvertible { public let description: String }

    public struct Webhook: Sendable {
        public var id, url: String
        public var events: [String]
        public var created: String
        public var json: JSONValue {
            ["id": .string(id), "url": .string(url), "events": .array(events.map { .string($0) }), "created": .string(created)]
        }
    }

    /// Where a delivery is. Raw values as stored (the CHECK constraint) and shown.
    public enum DeliveryStatus: String, Sendable, CaseIterable {
        case pending, delivered, failed
    }

    struct Due: Sendable {
        var id, webhookID, url, event, payload: String
        var secret: [UInt8]
        var attempts: Int
    }

    let db: Database
    /// Other replicas queue deliveries too, without ringing this process's dispatcher: it polls on a shared store.
    var isShared: Bool { db.isShared }
    let box: SecretBox

    public init(db: Database, masterKey: [UInt8]) throws {
        self.db = db
        box = try SecretBox(key: masterKey)
    }

    /// Registers a URL for events; answers it and its signing secret (shown this once).
    public func create(url: String, events: [String]) throws -> (Webhook, String) {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https", u.host?.isEmpty == false,
              url.count <= 2000 else {
            throw Invalid(description: "Field 'url' must be an http:// or https:// URL.")
        }
        guard !events.isEmpty, events.allSatisfy(WebhookStore.events.contains) else {
            throw Invalid(description: "Field 'events' must list some of: \(WebhookStore.events.joined(separator: ", ")).")
        }
        guard try all().count < WebhookStore.maxWebhooks else { throw Invalid(description: "At most \(WebhookStore.maxWebhooks) webhooks; delete one first.") }
        let id = UUID().uuidString.lowercased(), secret = "whsec_" + SecureRandom.hex(24)
        let sealed = try box.seal(Array(secret.utf8), aad: Array(id.utf8))
        try db.write { try $0.execute("INSERT INTO webhooks(id, url, events, secret, created) VALUES (?, ?, ?, ?, ?)",
                                      [id, url, events.joined(separator: ","), sealed, Clock.iso8601Now()]) }
        return (try get(id)!, secret)
    }

    public func all() throws -> [Webhook] {
        try db.read { try $0.query("SELECT id, url, events, created FROM webhooks ORDER BY created") }.map(WebhookStore.webhook)
    }

    public func get(_ id: String) throws -> Webhook? {
        try db.read { try $0.queryOne("SELECT id, url, events, created FROM webhooks WHERE id = ?", [id]) }.map(WebhookStore.webhook)
    }

    public func delete(_ id: String) throws -> Bool {
        try db.write { try $0.execute("DELETE FROM webhooks WHERE id = ?", [id]) > 0 }
    }

    /// Decodes a `webhooks` row; a missing column is an error, not a default.
    static func webhook(_ r: Row) throws -> Webhook {
        Webhook(id: try r.text("id"), url: try r.text("url"), events: try r.text("events").split(separator: ",").map(String.init),
                created: try r.text("created"))
    }

    /// Queues `event` for every webhook that wants it (or for one webhook, for a test ping). Answers how many.
    @discardableResult
    public func enqueue(_ event: String, _ data: JSONValue, only webhookID: String? = nil) throws -> Int {
        let now = Clock.iso8601Now()
        return try db.write { conn in
            let hooks = try conn.query("SELECT id, events FROM webhooks WHERE (?1 IS NULL OR id = ?1)", [webhookID])
            var n = 0
            for h in hooks {
                let id = try h.text("id")
                let events = try h.text("events")
                guard webhookID != nil || events.split(separator: ",").contains(Substring(event)) else { continue }
                let deliveryID = UUID().uuidString.lowercased()
                let payload: JSONValue = ["id": .string(deliveryID), "event": .string(event), "created": .string(now), "data": data]
                try conn.execute("INSERT INTO webhook_deliveries(id, webhook_id, event, payload, next_attempt, created) VALUES (?, ?, ?, ?, ?, ?)",
                                 [deliveryID, id, event, payload.text, now, now])
                n += 1
            }
            return n
        }
    }

    /// How long a taken delivery waits before it is due again: only if the replica sending it died before recording
    /// the attempt (delivery is at least once, as receivers of webhooks expect; the delivery id tells repeats apart).
    static let claimLease: TimeInterval = 60

    /// Takes the due deliveries: replicas taking at once get different ones (`SKIP LOCKED`), each marked taken.
    func claimDue(now: Date, limit: Int = 50) throws -> [Due] {
        try db.claim { conn -> [Row] in
            let ids = try conn.query("""
                SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ? \(conn.dialect.skipLocked)
                """, [Clock.iso8601(now), limit]).map { try $0.text("id") }
            guard !ids.isEmpty else { return [] }
            let marks = ids.map { _ in "?" }.joined(separator: ", ")
            try conn.execute("UPDATE webhook_deliveries SET next_attempt = ? WHERE id IN (\(marks))",
                             [Clock.iso8601(now.addingTimeInterval(WebhookStore.claimLease))] + ids)
            return try conn.query("""
                SELECT d.id, d.webhook_id, d.event, d.payload, d.attempts, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                WHERE d.id IN (\(marks)) ORDER BY d.created, d.id
                """, ids)
        }.compactMap { r in
            let hook = try r.text("webhook_id")
            let sealed = try r.value("secret")
            guard let bytes = sealed.bytes else { throw StoreError.column(name: "secret", message: "holds \(sealed.isNull ? "NULL" : "a number"), not sealed bytes") }
            // A secret that does not open (another master key) leaves the delivery pending rather than sending it unsigned.
            guard let secret = try? box.open(bytes, aad: Array(hook.utf8)) else { return nil }
            return Due(id: try r.text("id"), webhookID: hook, url: try r.text("url"), event: try r.text("event"),
                       payload: try r.text("payload"), secret: secret, attempts: try r.int("attempts"))
        }
    }

    /// Records an attempt; a failed one is retried with backoff until `maxAttempts`.
    func record(_ d: Due, status: Int?, error: String?, ms: Int, retryBase: TimeInterval) throws {
        let ok = status.map { (200..<300).contains($0) } ?? false
        let n = d.attempts + 1
        let final: DeliveryStatus = ok ? .delivered : (n >= WebhookStore.maxAttempts ? .failed : .pending)
        let next = Date().addingTimeInterval(retryBase * pow(2, Double(n - 1)))
        try db.write { conn in
            try conn.execute("INSERT INTO webhook_attempts(delivery_id, n, at, status, error, ms) VALUES (?, ?, ?, ?, ?, ?)",
                             [d.id, n, Clock.iso8601Now(), status, error, ms])
            try conn.execute("UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt = ? WHERE id = ?",
                             [final.rawValue, n, Clock.iso8601(next), d.id])
        }
    }

    func nextDue() throws -> Date? {
        try db.read { try $0.queryOne("SELECT MIN(next_attempt) AS t FROM webhook_deliveries WHERE status = 'pending'")?.optionalText("t") }
            .flatMap(Clock.date(iso8601:))
    }

    /// A webhook's recent deliveries with their attempts.
    public func deliveries(_ webhookID: String, limit: Int = 50) throws -> [JSONValue] {
        try db.read { conn in
            try conn.query("SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created DESC LIMIT ?", [webhookID, limit]).map { d in
                let id = try d.text("id")
                let attempts = try conn.query("SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY n", [id]).map { a -> JSONValue in
                    ["n": JSONValue(try a.int("n")), "at": .string(try a.text("at")), "status": try a.optionalInt("status").map { JSONValue($0) } ?? .null,
                     "error": JSONValue(try a.optionalText("error")), "ms": JSONValue(try a.int("ms"))]
                }
                return ["id": .string(id), "event": .string(try d.text("event")), "status": .string(try d.decode("status", as: DeliveryStatus.self).rawValue),
                        "attempts": .array(attempts), "created": .string(try d.text("created")),
                        "payload": JSONValue.parse(try d.text("payload")) ?? .null]
            }
        }
    }
}
