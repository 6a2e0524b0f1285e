import Core
import Crypto
import Foundation
import Generator
import Intent
import Testing
import TestSupport

/// Parts that reach out, run by Deno against a local server: the uptime check, the fetch job, and the webhook
/// receiver's secret check and notification of the platform.
@Suite(.serialized) struct ReachRuntimeTests {
    /// A canned answer (the canned server reads only a request's head: requests without a body).
    static func answer(_ status: String, _ body: String) -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
    }

    @Test func checksAndFetchesRecordTheirResults() async throws {
        let target = try CannedServer(response: Self.answer("200 OK", #"{"up":true}"#))
        defer { target.stop() }
        let url = "http://127.0.0.1:\(target.port)/status"
        try await withService(ServiceSpec("uptime-local", behaviours: [.check(url: url)]), hosts: ["127.0.0.1:\(target.port)"]) { s async throws in
            let check = try await s.expect("POST", "/check")
            #expect(check["ok"] == .bool(true) && check["status"]?.int == 200)
            #expect(try await s.expect("GET", "/history")["checks"]?[0]?["ok"] == .bool(true))
        }
        try await withService(ServiceSpec("fetch-local", behaviours: [.fetch(url: url)]), hosts: ["127.0.0.1:\(target.port)"]) { s async throws in
            let run = try await s.expect("POST", "/run")
            #expect(run["status"]?.int == 200 && run["excerpt"]?.string == #"{"up":true}"#)
            #expect(try await s.expect("GET", "/results")["results"]?.array?.count == 1)
        }
    }

    /// The platform's notify endpoint is stood in for by a generated documents store, which keeps what it is sent.
    @Test func theWebhookChecksItsSecretAndNotifiesThePlatform() async throws {
        let inbox = ServiceSpec("inbox", resources: [Resource("event", fields: [], operations: [.create, .list], behaviours: [.documents])])
        try await withService(inbox) { platform async throws in
            let env = ["ORDERS_WEBHOOK_SECRET": "s3cret", "OPENPIECES_NOTIFY_URL": platform.base + "/events", "OPENPIECES_SERVICE_TOKEN": "token"]
            try await withService(SpecTable.webhook, environment: env, hosts: ["127.0.0.1:\(platform.port)"]) { s async throws in
                let body = #"{"total":120}"#
                #expect(try await s.expect("POST", "/webhook", body, status: 401)["error"]?["code"]?.string == "unauthorized")
                let forged = try await LiveService.client.send(.init(method: "POST", url: s.base + "/webhook", headers: [("X-Webhook-Secret", "guess")],
                                                                     body: Array(body.utf8)))
                #expect(forged.status == 401)
                let mac = Digest.hmacSHA256(key: Array("s3cret".utf8), message: Array(body.utf8)).map { String(format: "%02x", $0) }.joined()
                let signed = try await LiveService.client.send(.init(method: "POST", url: s.base + "/webhook", headers: [("X-Signature-256", "sha256=" + mac)],
                                                                     body: Array(body.utf8)))
                #expect(signed.status == 201, "the platform's answer is passed on: \(signed.text)")
                let withSecret = try await LiveService.client.send(.init(method: "POST", url: s.base + "/webhook",
                                                                         headers: [("X-Webhook-Secret", "s3cret"), ("X-Event", "paid")], body: Array(body.utf8)))
                #expect(withSecret.status == 201, "\(withSecret.text)")
                let events = try await platform.expect("GET", "/events")["events"]?.array ?? []
                #expect(events.compactMap { $0["event"]?.string } == ["orders.paid", "orders.received"])
                #expect(events.first?["payload"]?["total"]?.int == 120)
            }
        }
    }

    @Test func aReceiverWithAStoreKeepsEachEventItAccepts() async throws {
        let inbox = ServiceSpec("inbox", resources: [Resource("event", fields: [], operations: [.create, .list], behaviours: [.documents])])
        try await withService(inbox) { platform async throws in
            let env = ["SUBMISSIONS_WEBHOOK_SECRET": "s3cret", "OPENPIECES_NOTIFY_URL": platform.base + "/events", "OPENPIECES_SERVICE_TOKEN": "token"]
            try await withService(SpecTable.keptWebhook, environment: env, hosts: ["127.0.0.1:\(platform.port)"]) { s async throws in
                _ = try await s.expect("POST", "/webhook", #"{"email":"a@b.c"}"#, status: 401)
                let sent = try await LiveService.client.send(.init(method: "POST", url: s.base + "/webhook", headers: [("X-Webhook-Secret", "s3cret")],
                                                                   body: Array(#"{"email":"a@b.c","id":"evt_1"}"#.utf8)))
                #expect(sent.status == 201, "\(sent.text)")
                let kept = try await s.expect("GET", "/submissions")
                #expect(kept["count"]?.int == 1, "only the accepted event is kept")
                #expect(kept["submissions"]?[0]?["email"]?.string == "a@b.c" && kept["submissions"]?[0]?["event"]?.string == "submissions.received")
                #expect(try await platform.expect("GET", "/events")["count"]?.int == 1, "and the platform was told")
            }
        }
    }
}
