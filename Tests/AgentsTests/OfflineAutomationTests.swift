import Agents
import Core
import Crypto
import FakeLLM
import Foundation
import HTTPClient
import Scheduling
import Testing
import TestSupport

/// Automation requests, offline: a webhook receiver that checks a shared secret and starts a workflow,
/// a scheduled job that calls a URL and records the results, a schedule for an existing endpoint.
extension OfflineCatalogueTests {
    @Test func webhookReceiverChecksItsSecretAndFeedsAService() async throws {
        let home = try TestPaths.temporaryDirectory("offline-hook")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await bin.waitUntilListening()
        let c = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        #expect(try await chat(c, base, "create an orders API with item and amount").contains("Built and deployed"))

        let said = try await chat(c, base, "build a webhook receiver for orders that saves them to orders-api")
        #expect(said.contains("openpieces secrets set ORDERS_WEBHOOK_SECRET"), "\(said)")
        #expect(said.contains("http://orders-webhook.localhost:\(bin.port)/webhook"), "\(said)")
        let service = try await json(c, "GET", base + "/api/v1/services/orders-webhook").1
        #expect(service["kind"]?.string == "trigger")
        #expect(service["status"]?.string == "stopped", "it waits for its secret")
        let workflow = try await json(c, "GET", base + "/api/v1/workflows/orders-webhook").1
        #expect(workflow["trigger"]?.string == "orders-webhook")
        #expect(workflow["actions"] == ["orders-api"])
        #expect(workflow["steps"]?[0]?.string == "Call orders-api POST /orders with fields amount, item")

        #expect(try await json(c, "PUT", base + "/api/v1/secrets/ORDERS_WEBHOOK_SECRET", #"{"value":"s3cret"}"#).0 == 200)
        var status = ""
        for _ in 0..<200 where status != "running" {
            status = try await json(c, "GET", base + "/api/v1/services/orders-webhook").1["status"]?.string ?? ""
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(status == "running")
        let body = #"{"item":"tea","amount":2,"note":"ignored"}"#
        let refused = try await c.send(ClientRequest(method: "POST", url: base + "/s/orders-webhook/webhook",
                                                     headers: [("X-Webhook-Secret", "wrong")], body: Array(body.utf8)))
        #expect(refused.status == 401)
        let accepted = try await c.send(ClientRequest(method: "POST", url: base + "/s/orders-webhook/webhook",
                                                      headers: [("X-Webhook-Secret", "s3cret"), ("X-Delivery-Id", "d1")], body: Array(body.utf8)))
        #expect(accepted.status == 202)
        let run = try await waitRun(c, base, try #require(JSONValue.parse(accepted.body)?["runId"]?.string))
        #expect(run["status"]?.string == "succeeded", "\(run.text)")
        #expect(run["input"]?["event"]?.string == "orders.received")
        // Signed instead of the plain secret: the same path.
        let signed = #"{"item":"cake","amount":1}"#
        let mac = "sha256=" + Hex.encode(Digest.hmacSHA256(key: Array("s3cret".utf8), message: Array(signed.utf8)))
        let second = try await c.send(ClientRequest(method: "POST", url: base + "/s/orders-webhook/webhook",
                                                    headers: [("X-Signature-256", mac), ("X-Event", "paid")], body: Array(signed.utf8)))
        #expect(second.status == 202)
        let run2 = try await waitRun(c, base, try #require(JSONValue.parse(second.body)?["runId"]?.string))
        #expect(run2["input"]?["event"]?.string == "orders.paid")
        let orders = try await json(c, "GET", base + "/s/orders-api/orders").1["orders"]?.array ?? []
        #expect(Set(orders.compactMap { $0["item"]?.string }) == ["tea", "cake"])
    }

    @Test func scheduledJobsCallAURLOrAnEndpointOnACron() async throws {
        let home = try TestPaths.temporaryDirectory("offline-cron")
        // The URL it fetches is a server on this machine: excepted by the administrator (--egress-allow).
        let target = try FakeLLMServer([.text(["ok"])], loop: true)
        defer { Task { await target.shutdown() } }
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--egress-allow", "127.0.0.1:\(target.port)"])
        try await bin.waitUntilListening()
        let c = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"

        // A service may not reach the platform's own API, whatever its manifest declares: refused at the test run,
        // exactly as a deploy is, and nothing is deployed.
        let refused = try await chat(c, base, "every morning at 8 fetch http://localhost:\(bin.port)/api/v1/secrets")
        #expect(refused.contains("a name for loopback"), "\(refused)")
        #expect(try await json(c, "GET", base + "/api/v1/services/fetch-localhost").0 == 404)

        // A URL on a schedule: a service that fetches it and records results, a workflow, a task.
        let said = try await chat(c, base, "every morning at 8 fetch \(target.baseURL)/models in Europe/Zurich")
        #expect(said.contains("Scheduled workflow 'fetch-127-0-0-1': at 08:00 (Europe/Zurich)"), "\(said)")
        let tasks = try await json(c, "GET", base + "/api/v1/tasks?workflow=fetch-127-0-0-1").1["tasks"]?.array ?? []
        #expect(tasks.first?["schedule"]?.string == "0 8 * * *")
        #expect(tasks.first?["timezone"]?.string == "Europe/Zurich")
        // Run it now rather than wait for 08:00: the job fetches the URL and records the result.
        let queued = try await json(c, "POST", base + "/api/v1/workflows/fetch-127-0-0-1/run", "{}").1
        let run = try await waitRun(c, base, try #require(queued["id"]?.string))
        #expect(run["status"]?.string == "succeeded", "\(run.text)")
        let results = try await json(c, "GET", base + "/s/fetch-127-0-0-1/results").1["results"]?.array ?? []
        #expect(results.first?["status"]?.int == 200)

        // An endpoint of a service that exists: only a workflow and a task.
        _ = try await chat(c, base, "make a counter")
        let again = try await chat(c, base, "every 15 minutes call counter POST /counter/visits/increment")
        #expect(again.contains("Scheduled workflow 'counter-post-counter-visits-increment': every 15 minutes (UTC)"), "\(again)")
        let q2 = try await json(c, "POST", base + "/api/v1/workflows/counter-post-counter-visits-increment/run", "{}").1
        #expect(try await waitRun(c, base, try #require(q2["id"]?.string))["status"]?.string == "succeeded")
        #expect(try await json(c, "GET", base + "/s/counter/counter/visits").1["count"]?.int == 1)
    }
}
