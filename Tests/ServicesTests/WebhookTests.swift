import Core
import Crypto
import Foundation
import HTTPClient
import HTTPServer
import Synchronization
import Testing
import TestSupport

/// A real HTTP server that records what it receives and fails the first `failures` requests.
final class Receiver: Sendable {
    struct Hit: Sendable { var headers: HTTPHeaders; var body: [UInt8] }
    final class State: Sendable {
        let hits = Locked<[Hit]>([])
        let remaining: Locked<Int>
        init(_ failures: Int) { remaining = Locked(failures) }
    }
    let state: State
    let server: HTTPServer

    init(failures: Int) throws {
        var router = Router()
        let state = State(failures)
        self.state = state
        router.post("/hook") { req in
            state.hits.withLock { $0.append(Hit(headers: req.headers, body: req.body)) }
            let fail = state.remaining.withLock { n -> Bool in defer { n -= 1 }; return n > 0 }
            return Response(status: fail ? 500 : 200)
        }
        server = try HTTPServer(configuration: ServerConfiguration(port: 0, eventLoops: 1), router: router, logger: Logger(sink: LogSink(capturingAt: .error)))
    }

    var url: String { "http://127.0.0.1:\(server.port)/hook" }

    func events() -> [String] { state.hits.withLock { $0.compactMap { $0.headers["X-OpenPieces-Event"] } } }

    func wait(for event: String, count: Int = 1, seconds: Double = 15) async throws -> [Hit] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let found = state.hits.withLock { $0.filter { $0.headers["X-OpenPieces-Event"] == event } }
            if found.count >= count { return found }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw TestError("no \(event) delivery; got \(events())")
    }
}

/// Outgoing webhooks: signed deliveries of the platform's events, retried with backoff, every attempt listed.
@Suite(.serialized) struct WebhookTests {
    @Test func eventsAreDeliveredSignedAndRetried() async throws {
        let receiver = try Receiver(failures: 2)
        let p = try await Platform(environment: ["OPENPIECES_WEBHOOK_RETRY_BASE": "0.1"])
        #expect(try await p.call("POST", "/api/v1/webhooks", ["url": "ftp://x", "events": ["run.failed"]]).0 == 400)
        #expect(try await p.call("POST", "/api/v1/webhooks", ["url": .string(receiver.url), "events": ["run.exploded"]]).0 == 400)
        let (status, hook, _) = try await p.call("POST", "/api/v1/webhooks", ["url": .string(receiver.url),
                                                                             "events": ["service.deployed", "run.succeeded", "run.failed", "service.crashed"]])
        #expect(status == 201)
        let secret = try #require(hook["secret"]?.string)
        let id = try #require(hook["id"]?.string)
        #expect(!(try await p.call("GET", "/api/v1/webhooks").2.text.contains(secret)), "the secret is shown once")

        // Deploying a service: one event, which fails twice at the receiver and is then delivered.
        try await p.deploy("notes", from: Platform.repoRoot + "/services/notes")
        let deployed = try await receiver.wait(for: "service.deployed", count: 3)
        let last = try #require(deployed.last)
        let body = JSONValue.parse(last.body)
        #expect(body?["data"]?["service"]?.string == "notes")
        #expect(body?["data"]?["version"]?.int == 1)
        // The signature: t=<unix>,v1=HMAC-SHA256(secret, "<t>.<body>").
        let parts = Dictionary(uniqueKeysWithValues: (last.headers["X-OpenPieces-Signature"] ?? "").split(separator: ",").map {
            let kv = $0.split(separator: "=", maxSplits: 1)
            return (String(kv[0]), String(kv.count > 1 ? kv[1] : ""))
        })
        let t = try #require(parts["t"].flatMap(Int.init))
        #expect(abs(Double(t) - Date().timeIntervalSince1970) < 60)
        #expect(parts["v1"] == Hex.encode(Digest.hmacSHA256(key: Array(secret.utf8), message: Array("\(t).".utf8) + last.body)))
        #expect(Set(deployed.compactMap { $0.headers["X-OpenPieces-Delivery"] }).count == 1, "retries of one delivery share its id")
        var deliveries: [JSONValue] = []
        for _ in 0..<50 {
            deliveries = try await p.call("GET", "/api/v1/webhooks/\(id)/deliveries").1["deliveries"]?.array ?? []
            if deliveries.first?["status"]?.string == "delivered" { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(deliveries.first?["status"]?.string == "delivered")
        #expect(deliveries.first?["attempts"]?.array?.compactMap { $0["status"]?.int } == [500, 500, 200])

        // A run's outcome, and a test ping.
        _ = try await p.call("POST", "/api/v1/workflows", ["slug": "hello", "actions": ["notes"], "steps": ["Call notes POST /notes with {\"text\": \"hi\"}"]])
        let run = try await p.waitRun(try await p.startRun("hello", .object([:])))
        let delivered = try await receiver.wait(for: "run.succeeded")
        #expect(JSONValue.parse(delivered[0].body)?["data"]?["id"] == run["id"])
        #expect(try await p.call("POST", "/api/v1/webhooks/\(id)/test").0 == 202)
        _ = try await receiver.wait(for: "ping")
        #expect(try await p.call("DELETE", "/api/v1/webhooks/\(id)").0 == 204)
        await p.stop()
        await receiver.server.shutdown()
    }
}
