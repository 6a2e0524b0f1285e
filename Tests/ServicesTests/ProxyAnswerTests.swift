import Core
import Foundation
import HTTPClient
import Testing
import TestSupport

/// What the proxy answers for a slug that does not run, word for word, through the real binary: the status and
/// reason of the service's record, before and after a restart of the server, and 404 once it is gone.
@Suite(.serialized) struct ProxyAnswerTests {
    @Test func stoppedArchivedAndUnknownSlugsAnswerFromTheirRecords() async throws {
        let p = try await Platform()
        // Missing its secret: stopped, with the reason.
        try await p.deploy("gh", from: Platform.repoRoot + "/services/github-webhook")
        func expectDown(_ path: String, host: String? = nil, _ slug: String = "gh") async throws {
            // Settled first: right after a start the record passes through `deploying` before the reason lands.
            var record = try await p.service("gh")
            for _ in 0..<200 where record["status"]?.string == "deploying" {
                try await Task.sleep(nanoseconds: 100_000_000)
                record = try await p.service("gh")
            }
            let status = try #require(record["status"]?.string)
            let why = record["reason"]?.string.map { ": " + $0 } ?? ""
            let (code, body, raw) = try await p.call("GET", path, headers: host.map { [("Host", $0)] } ?? [])
            #expect(code == 503, "\(path): \(body.text)")
            #expect(body["error"]?["code"]?.string == "service_not_running")
            #expect(body["error"]?["message"]?.string == "Service '\(slug)' is \(status)\(why). Start it with POST /api/v1/services/\(slug)/start.")
            #expect(raw.header("Retry-After") == "2")
        }
        #expect(try await p.service("gh")["reason"]?.string?.contains("WEBHOOK_SECRET") == true)
        try await expectDown("/s/gh/")
        try await expectDown("/hook", host: "gh.localhost:\(p.bin.port)")
        let id = try #require(try await p.service("gh")["id"]?.string)
        try await expectDown("/s/\(id)/x", id)

        // Known at start-up too, not only from writes this process made.
        try await p.restart()
        try await expectDown("/s/gh/")

        _ = try await p.call("POST", "/api/v1/services/gh/archive")
        #expect(try await p.service("gh")["status"]?.string == "archived")
        try await expectDown("/s/gh/")

        let (deleted, _, _) = try await p.call("DELETE", "/api/v1/services/gh")
        #expect(deleted == 204)
        for path in ["/s/gh/", "/s/\(id)/"] {
            let slug = path.split(separator: "/")[1]
            let (code, body, _) = try await p.call("GET", path)
            #expect(code == 404)
            #expect(body["error"]?["message"]?.string == "No service '\(slug)'. List them with GET /api/v1/services.")
        }
        await p.stop()
    }
}
