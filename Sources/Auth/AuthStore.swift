import Core
import Crypto
import Foundation
import Store
import Synchronization

/// Who a request is.
public struct Principal: Sendable, Equatable {
    /// `local`: the CLI on the server's machine, with the token of `LocalCredential` (loopback peers only).
    public enum Kind: String, Sendable { case admin, key, session, local }
    public var kind: Kind
    public var scopes: Set<String>
    /// The API key's id, or the session's CSRF token.
    public var keyID: String?
    public var csrf: String?
}

/// The admin token, API keys and dashboard sessions. Every secret is stored as a SHA-256 hash and shown once;
/// lookups go through an in-memory index kept in step with the table, so authenticating costs no query.
public final class AuthStore: Sendable {
    public static let migrations: [Migration] = [
        Migration(15, "auth", """
            CREATE TABLE auth_admin (id INTEGER PRIMARY KEY CHECK (id = 1), token_hash TEXT NOT NULL, created TEXT NOT NULL);
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                prefix TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE,
                scopes TEXT NOT NULL,
                created TEXT NOT NULL,
                last_used TEXT,
                revoked TEXT
            );
            CREATE TABLE sessions (hash TEXT PRIMARY KEY, csrf TEXT NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL);
            """),
    ]

    public static let scopes = ["read", "write", "admin"]
    public static let sessionLifetime: TimeInterval = 7 * 24 * 3600

    struct Key: Sendable {
        var id: String
        var scopes: Set<String>
        var lastUsedWrite: Date?
    }

    let db: Database
    /// The hash of this run's local CLI token (`LocalCredential`); only in memory, a new one at every start.
    private let localToken = Locked<String?>(nil)
    private let index = Locked<(admin: String?, keys: [String: Key], sessions: [String: (csrf: String, expires: Date)])>((nil, [:], [:]))

    public init(db: Database) throws {
        self.db = db
        let admin = try db.read { try $0.queryOne("SELECT token_hash FROM auth_admin WHERE id = 1")?.text("token_hash") }
        let keys = try db.read { try $0.query("SELECT id, hash, scopes FROM api_keys WHERE revoked IS NULL") }
        let sessions = try db.read { try $0.query("SELECT hash, csrf, expires FROM sessions WHERE expires > ?", [Clock.iso8601Now()]) }
        // Decoded before the lock: a misspelt column is an error at start-up, not an empty key.
        let liveKeys = try keys.map { k in (try k.text("hash"), Key(id: try k.text("id"), scopes: AuthStore.parseScopes(try k.text("scopes")), lastUsedWrite: nil)) }
        let liveSessions = try sessions.map { s in (try s.text("hash"), (try s.text("csrf"), Clock.date(iso8601: try s.text("expires")) ?? Date())) }
        index.withLock { i in
            i.admin = admin
            for (hash, key) in liveKeys { i.keys[hash] = key }
            for (hash, session) in liveSessions { i.sessions[hash] = session }
        }
    }

    static func hash(_ secret: String) -> String { Hex.encode(Digest.sha256(Array(secret.utf8))) }
    static func parseScopes(_ s: String) -> Set<String> { Set(s.split(separator: ",").map(String.init)) }

    // MARK: the admin token

    public var hasAdminToken: Bool { index.withLock { $0.admin != nil } }

    /// Sets the admin token (a new random one unless given); answers it. Replaces any earlier one.
    @discardableResult
    public func setAdminToken(_ given: String? = nil) throws -> String {
        let token = given ?? "op_admin_" + SecureRandom.hex(24)
        let h = AuthStore.hash(token)
        try db.write { try $0.execute("""
            INSERT INTO auth_admin(id, token_hash, created) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET token_hash = excluded.token_hash, created = excluded.created
            """, [h, Clock.iso8601Now()]) }
        index.withLock { $0.admin = h }
        return token
    }

    // MARK: authentication

    /// Accepts `token` as this run's local CLI credential (see `LocalCredential`); replaces any earlier one.
    public func setLocalToken(_ token: String) {
        localToken.withLock { $0 = AuthStore.hash(token) }
    }

    /// A bearer token: the admin token, a live API key, or, from a loopback peer only, the local CLI token.
    public func principal(bearer token: String, fromLoopback: Bool) -> Principal? {
        let h = AuthStore.hash(token)
        if fromLoopback, let local = localToken.withLock({ $0 }), Digest.constantTimeEqual(Array(local.utf8), Array(h.utf8)) {
            return Principal(kind: .local, scopes: Set(AuthStore.scopes))
        }
        let now = Date()
        let (found, touch) = index.withLock { i -> (Principal?, String?) in
            if let admin = i.admin, Digest.constantTimeEqual(Array(admin.utf8), Array(h.utf8)) {
                return (Principal(kind: .admin, scopes: Set(AuthStore.scopes)), nil)
            }
            guard var k = i.keys[h] else { return (nil, nil) }
            // last_used is written at most once a minute per key.
            let stale = k.lastUsedWrite.map { now.timeIntervalSince($0) > 60 } ?? true
            if stale { k.lastUsedWrite = now; i.keys[h] = k }
            return (Principal(kind: .key, scopes: k.scopes, keyID: k.id), stale ? k.id : nil)
        }
        if let id = touch { try? db.write { _ = try $0.execute("UPDATE api_keys SET last_used = ? WHERE id = ?", [Clock.iso8601(now), id]) } }
        return found
    }

    /// A dashboard session cookie's value.
    public func principal(session cookie: String) -> Principal? {
        let h = AuthStore.hash(cookie)
        return index.withLock { i -> Principal? in
            guard let s = i.sessions[h] else { return nil }
            guard s.expires > Date() else { i.sessions.removeValue(forKey: h); return nil }
            return Principal(kind: .session, scopes: Set(AuthStore.scopes), csrf: s.csrf)
        }
    }

    /// Checks the admin token and opens a session: answers the cookie value and its CSRF token.
    public func login(adminToken: String) throws -> (cookie: String, csrf: String)? {
        guard principal(bearer: adminToken, fromLoopback: false)?.kind == .admin else { return nil }
        let cookie = SecureRandom.hex(32), csrf = SecureRandom.hex(16)
        let expires = Date().addingTimeInterval(AuthStore.sessionLifetime)
        let h = AuthStore.hash(cookie)
        try db.write { conn in
            try conn.execute("DELETE FROM sessions WHERE expires < ?", [Clock.iso8601Now()])
            try conn.execute("INSERT INTO sessions(hash, csrf, created, expires) VALUES (?, ?, ?, ?)", [h, csrf, Clock.iso8601Now(), Clock.iso8601(expires)])
        }
        index.withLock { $0.sessions[h] = (csrf, expires) }
        return (cookie, csrf)
    }

    public func logout(session cookie: String) throws {
        let h = AuthStore.hash(cookie)
        try db.write { _ = try $0.execute("DELETE FROM sessions WHERE hash = ?", [h]) }
        _ = index.withLock { $0.sessions.removeValue(forKey: h) }
    }

    // MARK: API keys

    public struct KeyRecord: Sendable {
        public var id, name, prefix: String
        public var scopes: [String]
        public var created: String
        public var lastUsed: String?
        public var revoked: String?

        public var json: JSONValue {
            ["id": .string(id), "name": .string(name), "prefix": .string(prefix), "scopes": .array(scopes.map { .string($0) }),
             "created": .string(created), "lastUsed": JSONValue(lastUsed), "revoked": JSONValue(revoked)]
        }
    }

    public struct Invalid: Error, CustomStringConvertible { public let description: String }

    /// Creates a key; answers its record and the key itself (shown this once).
    public func createKey(name: String, scopes: [String]) throws -> (KeyRecord, String) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100 else { throw Invalid(description: "Field 'name' must hold 1 to 100 characters.") }
        guard !scopes.isEmpty, scopes.allSatisfy(AuthStore.scopes.contains) else {
            throw Invalid(description: "Field 'scopes' must list some of: read, write, admin.")
        }
        // admin implies write implies read.
        var granted = Set(scopes)
        if granted.contains("admin") { granted.insert("write") }
        if granted.contains("write") { granted.insert("read") }
        let ordered = AuthStore.scopes.filter(granted.contains)
        let key = "op_" + SecureRandom.hex(24)
        let id = UUID().uuidString.lowercased(), h = AuthStore.hash(key)
        try db.write { try $0.execute("INSERT INTO api_keys(id, name, prefix, hash, scopes, created) VALUES (?, ?, ?, ?, ?, ?)",
                                      [id, trimmed, String(key.prefix(9)), h, ordered.joined(separator: ","), Clock.iso8601Now()]) }
        index.withLock { $0.keys[h] = Key(id: id, scopes: granted, lastUsedWrite: nil) }
        return (try keys().first { $0.id == id }!, key)
    }

    public func keys() throws -> [KeyRecord] {
        try db.read { try $0.query("SELECT * FROM api_keys ORDER BY created DESC") }.map { r in
            KeyRecord(id: try r.text("id"), name: try r.text("name"), prefix: try r.text("prefix"),
                      scopes: try r.text("scopes").split(separator: ",").map(String.init), created: try r.text("created"),
                      lastUsed: try r.optionalText("last_used"), revoked: try r.optionalText("revoked"))
        }
    }

    /// Revokes a key: it stops working at once. False if there is no such live key.
    public func revoke(_ id: String) throws -> Bool {
        let h = try db.read { try $0.queryOne("SELECT hash FROM api_keys WHERE id = ? AND revoked IS NULL", [id])?["hash"].string }
        guard let h else { return false }
        try db.write { _ = try $0.execute("UPDATE api_keys SET revoked = ? WHERE id = ?", [Clock.iso8601Now(), id]) }
        _ = index.withLock { $0.keys.removeValue(forKey: h) }
        return true
    }
}
