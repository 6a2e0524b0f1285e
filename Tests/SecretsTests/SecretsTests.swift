import Crypto
import Foundation
import Secrets
import Store
import Testing
import TestSupport

@Suite(.offPool) struct SecretBoxTests {
    @Test func sealsAndOpens() throws {
        let box = try SecretBox(key: SecureRandom.bytes(32))
        let sealed = try box.seal(Array("sk-live-123".utf8), aad: Array("KEY".utf8))
        #expect(sealed.count == 12 + 11 + 16)
        #expect(String(decoding: try box.open(sealed, aad: Array("KEY".utf8)), as: UTF8.self) == "sk-live-123")
        // Fresh nonce each time: the same value never seals the same way twice.
        #expect(try box.seal(Array("sk-live-123".utf8), aad: Array("KEY".utf8)) != sealed)
        #expect(try box.open(try box.seal([], aad: []), aad: []) == [])
    }

    @Test func detectsTamperingWrongNameAndWrongKey() throws {
        let key = SecureRandom.bytes(32)
        let box = try SecretBox(key: key)
        var sealed = try box.seal(Array("value".utf8), aad: Array("A".utf8))
        #expect(throws: SecretBox.Failure.tampered) { try box.open(sealed, aad: Array("B".utf8)) }
        #expect(throws: SecretBox.Failure.tampered) { try SecretBox(key: SecureRandom.bytes(32)).open(sealed, aad: Array("A".utf8)) }
        sealed[14] ^= 0x01
        #expect(throws: SecretBox.Failure.tampered) { try box.open(sealed, aad: Array("A".utf8)) }
        #expect(throws: SecretBox.Failure.badKey) { try SecretBox(key: [1, 2, 3]) }
    }
}

@Suite(.offPool) struct SecretStoreTests {
    func store(_ dir: String, key: [UInt8]) throws -> (SecretStore, Database) {
        let db = try TestDatabase.open(dir + "/s.sqlite", migrations: [Migration(1, "settings", "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT)")] + SecretStore.migrations)
        return (try SecretStore(db: db, masterKey: key), db)
    }

    /// Replicas sharing a database must share the key: one started with another key refuses at once, saying what to
    /// do, and the secrets stay readable with the right one.
    @Test func anotherMasterKeyIsRefusedAtOpen() async throws {
        let dir = try TestPaths.temporaryDirectory("secrets-key")
        let key = SecureRandom.bytes(32), other = SecureRandom.bytes(32)
        let (first, _) = try store(dir, key: key)
        try first.set("API_TOKEN", "kept")
        do {
            _ = try store(dir, key: other)
            Issue.record("a second master key was accepted")
        } catch let e as MasterKey.Failure {
            #expect(e.description.contains("OPENPIECES_MASTER_KEY"), "\(e)")
        }
        let (again, _) = try store(dir, key: key)
        #expect(try again.get("API_TOKEN") == "kept")
    }

    @Test func valuesAreEncryptedAtRestAndSurviveReopen() throws {
        let dir = try TestPaths.temporaryDirectory("secrets")
        let key = try MasterKey.load(home: dir, environment: [:])
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/master.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        do {
            let (s, _) = try store(dir, key: key)
            try s.set("GITHUB_TOKEN", "ghp_supersecretvalue_0123456789")
            try s.set("EMPTY_OK", "")
            #expect(try s.get("GITHUB_TOKEN") == "ghp_supersecretvalue_0123456789")
            #expect(try s.names() == ["EMPTY_OK", "GITHUB_TOKEN"])
        }
        // Nothing on disk holds the plaintext: not the database, not its WAL.
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file.hasPrefix("s.sqlite") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            #expect(bytes.range(of: Data("ghp_supersecretvalue".utf8)) == nil, "\(file) holds the plaintext")
        }
        // Reopened with the same key file, the value is there.
        let again = try MasterKey.load(home: dir, environment: [:])
        #expect(again == key)
        let (s2, _) = try store(dir, key: again)
        #expect(try s2.get("GITHUB_TOKEN") == "ghp_supersecretvalue_0123456789")
        #expect(try s2.delete("GITHUB_TOKEN"))
        #expect(try s2.get("GITHUB_TOKEN") == nil)
    }

    @Test func namesAndSizesAreChecked() throws {
        let dir = try TestPaths.temporaryDirectory("secrets2")
        let (s, _) = try store(dir, key: SecureRandom.bytes(32))
        for bad in ["lower", "1ABC", "WITH-DASH", "", String(repeating: "A", count: 129)] {
            #expect(throws: SecretStore.Failure.badName(bad)) { try s.set(bad, "x") }
        }
        #expect(throws: SecretStore.Failure.tooLarge(65536)) { try s.set("BIG", String(repeating: "x", count: 65537)) }
        #expect(SecretStore.hint("sk-abcdefghijkl") == "••••ijkl (15 chars)")
        #expect(SecretStore.hint("short") == "•••• (5 chars)")
    }

    @Test func masterKeyFromEnvironment() throws {
        let dir = try TestPaths.temporaryDirectory("secrets3")
        let raw = SecureRandom.bytes(32)
        #expect(try MasterKey.load(home: dir, environment: ["OPENPIECES_MASTER_KEY": Data(raw).base64EncodedString()]) == raw)
        #expect(!FileManager.default.fileExists(atPath: dir + "/master.key"))
        #expect(throws: MasterKey.Failure.self) { try MasterKey.load(home: dir, environment: ["OPENPIECES_MASTER_KEY": "dG9vIHNob3J0"]) }
    }
}
