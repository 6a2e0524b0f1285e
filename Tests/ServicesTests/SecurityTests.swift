import Core
import Crypto
import Foundation
import HTTPClient
import Store
import Testing
import TestSupport

/// The security review's checks, against the real binary and real Deno sandboxes.
@Suite(.serialized) struct SecurityTests {
    @Test func servicesReachOnlyTheirCallbackNeverThePlatformAPI() async throws {
        let p = try await Platform()
        try await p.deploy("probe", from: Platform.repoRoot + "/Tests/ServicesTests/fixtures/probe-trigger")
        _ = try await p.wait("probe", for: "running")
        let notify = try await p.call("GET", "/s/probe/try?url=notify").1
        #expect(notify["allowed"]?.bool == true, "its notification URL: \(notify.text)")
        for path in ["/assets", "/api/v1/secrets", "/.well-known/health"] {
            let direct = try await p.call("GET", "/s/probe/try?url=" + "http://127.0.0.1:\(p.bin.port)\(path)".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!).1
            #expect(direct["allowed"]?.bool == false, "\(path) on the platform's port must be outside the sandbox: \(direct.text)")
            #expect(direct["error"]?.string == "NotCapable")
        }
        // A manifest that declares the platform's own address is refused at start, with the reason.
        var files = try Platform.files(Platform.repoRoot + "/services/notes")
        if case .object(var o) = files, let manifest = JSONValue.parse(o["service.json"]?.string ?? ""), case .object(var m) = manifest {
            m["hosts"] = [.string("localhost:\(p.bin.port)")]
            o["service.json"] = .string(JSONValue.object(m).text)
            files = .object(o)
        }
        let (status, refused, _) = try await p.call("POST", "/api/v1/services", ["slug": "sneaky", "files": files])
        #expect(status == 422, "refused at deploy, before anything is stored")
        #expect(refused["error"]?["code"]?.string == "forbidden_host")
        #expect(refused["error"]?["message"]?.string?.contains("a name for loopback") == true, "\(refused.text)")
        #expect(try await p.call("GET", "/api/v1/services/sneaky").0 == 404)
        // Through a service URL, dot segments never reach past the service.
        // (libcurl squashes a literal "/../" itself; ServiceRuntimeTests sends that one raw.)
        for path in ["/s/probe/%2e%2e/api/v1/secrets", "/s/probe/a/..%2f..%2fapi", "/s/probe/%2E%2e%5capi"] {
            #expect(try await p.call("GET", path).0 == 400, "\(path)")
        }
        await p.stop()
    }

    @Test func secretsStayOutOfResponsesErrorsAndLogsAndTheDataDirectoryIsPrivate() async throws {
        let p = try await Platform()
        let value = "sk-live-\(SecureRandom.hex(12))"
        #expect(try await p.call("PUT", "/api/v1/secrets/API_TOKEN", ["value": .string(value)]).0 == 200)
        let (badStatus, bad, _) = try await p.call("PUT", "/api/v1/secrets/bad-name", ["value": .string(value)])
        #expect(badStatus == 400)
        #expect(!bad.text.contains(value), "an error never echoes the value")
        for path in ["/api/v1/secrets", "/api/v1/services", "/api/v1/settings/llm"] {
            #expect(!(try await p.call("GET", path).2.text.contains(value)), "\(path)")
        }
        // The data directory and what is in it are this user's only.
        let fm = FileManager.default
        func mode(_ path: String) -> Int { ((try? fm.attributesOfItem(atPath: path))?[.posixPermissions] as? Int) ?? -1 }
        #expect(mode(p.home) == 0o700)
        #expect(mode(p.home + "/master.key") == 0o600)
        if !TestDatabase.isPostgres { #expect(mode(p.home + "/openpieces.sqlite") & 0o077 == 0) }
        await p.stop()
        #expect(!p.bin.remainingStderr().contains(value), "never in the logs")
        // The store keeps the value sealed, not in clear: the whole SQLite file, or every row of the table on PostgreSQL.
        let stored: String
        if let url = TestDatabase.url(p.home) {
            let conn = try PostgresConnection(try PostgresAddress(url))
            stored = try conn.query("SELECT key, sealed FROM secrets").map { "\($0["key"].string ?? "") \(String(decoding: $0["sealed"].bytes ?? [], as: UTF8.self))" }.joined()
            #expect(!stored.isEmpty)
        } else {
            stored = String(decoding: fm.contents(atPath: p.home + "/openpieces.sqlite") ?? Data(), as: UTF8.self)
        }
        #expect(!stored.contains(value))
    }

    @Test func tokenComparisonIsExactAtEveryLength() {
        #expect(Digest.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!Digest.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!Digest.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!Digest.constantTimeEqual([], Array("a".utf8)))
        #expect(Digest.constantTimeEqual([], []))
    }
}
