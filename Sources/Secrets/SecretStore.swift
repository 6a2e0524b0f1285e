import Core
import Crypto
import Store

/// Encrypted key-value secrets. Values are sealed with AES-256-GCM, bound to their name; never returned in full
/// by the API, never logged.
public final class SecretStore: Sendable {
    public static let migrations: [Migration] = [
        Migration(3, "secrets") { d in """
            CREATE TABLE secrets (
                key TEXT PRIMARY KEY,
                sealed \(d.bytes) NOT NULL,
                updated_at TEXT NOT NULL DEFAULT (\(d.now))
            );
            """ },
        // What the master key sealing this store's secrets hashes to, so a replica (or a restored data directory)
        // with another key refuses to start instead of failing on every secret later.
        Migration(30, "master_key_check", "CREATE TABLE master_key_check (id INTEGER PRIMARY KEY CHECK (id = 1), digest TEXT NOT NULL);"),
    ]

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case badName(String)
        case tooLarge(Int)

        public var description: String {
            switch self {
            case .badName(let n): "'\(n)' is not a secret name: use capitals, digits and underscores, starting with a letter (e.g. GITHUB_TOKEN)"
            case .tooLarge(let n): "a secret may hold at most \(n) bytes"
            }
        }
    }

    static let maxValueBytes = 64 * 1024
    private let db: Database
    private let box: SecretBox

    /// Refuses a master key other than the one this database's secrets were sealed with (`MasterKey.Failure`).
    public init(db: Database, masterKey: [UInt8]) throws {
        self.db = db
        self.box = try SecretBox(key: masterKey)
        let digest = SecretStore.keyDigest(masterKey)
        let recorded = try db.write { conn -> String in
            try conn.execute("INSERT INTO master_key_check(id, digest) VALUES (1, ?) ON CONFLICT DO NOTHING", [digest])
            return try conn.queryOne("SELECT digest FROM master_key_check WHERE id = 1")!.text("digest")
        }
        guard Digest.constantTimeEqual(Array(recorded.utf8), Array(digest.utf8)) else {
            throw MasterKey.Failure(description: "this master key is not the one the database's secrets are sealed with. Every replica (and a restored data directory) needs the same key: set OPENPIECES_MASTER_KEY to it, or put the original master.key back in --home.")
        }
    }

    /// An HMAC of a fixed text under the key: equal for equal keys, and tells nothing about the key.
    static func keyDigest(_ key: [UInt8]) -> String {
        Hex.encode(Digest.hmacSHA256(key: key, message: Array("openpieces master key check v1".utf8)))
    }

    /// `[A-Z][A-Z0-9_]*`, at most 128 characters.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= 65, first <= 90, name.utf8.count <= 128 else { return false }
        return name.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    public func set(_ name: String, _ value: String) throws {
        guard SecretStore.isValidName(name) else { throw Failure.badName(name) }
        guard value.utf8.count <= SecretStore.maxValueBytes else { throw Failure.tooLarge(SecretStore.maxValueBytes) }
        let sealed = try box.seal(Array(value.utf8), aad: Array(name.utf8))
        try db.write { conn in try conn.execute("""
            INSERT INTO secrets(key, sealed) VALUES (?, ?)
            ON CONFLICT(key) DO UPDATE SET sealed = excluded.sealed, updated_at = \(conn.dialect.now)
            """, [name, sealed]) }
    }

    public func get(_ name: String) throws -> String? {
        guard let sealed = try db.read({ try $0.queryOne("SELECT sealed FROM secrets WHERE key = ?", [name])?["sealed"].bytes }) else { return nil }
        return String(decoding: try box.open(sealed, aad: Array(name.utf8)), as: UTF8.self)
    }

    @discardableResult
    public func delete(_ name: String) throws -> Bool {
        try db.write { try $0.execute("DELETE FROM secrets WHERE key = ?", [name]) > 0 }
    }

    public func names() throws -> [String] {
        try db.read { try $0.query("SELECT key FROM secrets ORDER BY key").compactMap { $0["key"].string } }
    }

    /// What the API may show of a value: its length and last four characters at most.
    public static func hint(_ value: String) -> String {
        value.count <= 8 ? "•••• (\(value.count) chars)" : "••••\(value.suffix(4)) (\(value.count) chars)"
    }
}
