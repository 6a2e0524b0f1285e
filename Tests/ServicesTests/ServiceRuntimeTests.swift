import Core
import Crypto
import Foundation
import HTTPClient
import Testing
import TestSupport

/// Real Deno processes behind the real binary.
@Suite(.serialized) struct ServiceRuntimeTests {
    let notes = Platform.repoRoot + "/services/notes"
    let webhook = Platform.repoRoot + "/services/github-webhook"
    let sandbox = Platform.repoRoot + "/Tests/ServicesTests/fixtures/sandbox"

    @Test func aPortTakenAtStartIsTriedAgainAtOnceAndTheDeployAnswersHowThatEnded() async throws {
        let p = try await Platform()
        let created = try await p.deploy("port-once", from: Platform.repoRoot + "/Tests/ServicesTests/fixtures/port-once")
        #expect(created["status"]?.string == "running", "not the state in between: \(created.text)")
        #expect(created["reason"] == nil || created["reason"] == .null)
        #expect(try await p.call("GET", "/s/port-once/").0 == 200)
        let logs = try await p.call("GET", "/api/v1/services/port-once/logs?tail=50").1.text
        #expect(logs.contains("AddrInUse"), "the first start did find its port taken: \(logs)")
        await p.stop()
    }

    @Test func deployedServiceAnswersAtItsURLAndKeepsData() async throws {
        let p = try await Platform()
        let started = Date()
        let created = try await p.deploy("notes", from: notes)
        #expect(created["status"]?.string == "running")
        #expect(Date().timeIntervalSince(started) < 5)
        // Its own origin for people; the path form for programs that do not resolve *.localhost.
        #expect(created["url"]?.string == "http://notes.localhost:\(p.bin.port)/")
        #expect(created["pathUrl"]?.string == "\(p.base)/s/notes/")
        #expect(created["endpoints"]?.array?.count == 3)

        let (s1, added, _) = try await p.call("POST", "/s/notes/notes", ["text": "first"])
        #expect(s1 == 201)
        #expect(added["text"]?.string == "first")
        let (_, list, raw) = try await p.call("GET", "/s/notes/notes")
        #expect(list["notes"]?.array?.count == 1)
        #expect(raw.header("X-Request-Id") != nil)

        // The agents' tool: call an endpoint with validated input.
        let post = try #require(created["endpoints"]?.array?.first { $0["method"]?.string == "POST" }?["id"]?.string)
        let (s2, called, _) = try await p.call("POST", "/api/v1/services/notes/endpoints/\(post)/call", ["input": ["text": "via tool"]])
        #expect(s2 == 200)
        #expect(called["status"]?.int == 201)
        #expect(called["output"]?["text"]?.string == "via tool")
        let (s3, invalid, _) = try await p.call("POST", "/api/v1/services/notes/endpoints/\(post)/call", ["input": ["text": 5]])
        #expect(s3 == 422)
        #expect(invalid["error"]?["message"]?.string?.contains("input.text: must be string") == true)

        // Stopped: the URL says so; the data survives a start.
        _ = try await p.call("POST", "/api/v1/services/notes/stop")
        let (s4, down, _) = try await p.call("GET", "/s/notes/notes")
        #expect(s4 == 503)
        #expect(down["error"]?["code"]?.string == "service_not_running")
        _ = try await p.call("POST", "/api/v1/services/notes/start")
        let (_, again, _) = try await p.call("GET", "/s/notes/notes")
        #expect(again["notes"]?.array?.count == 2)
        await p.stop()
    }

    @Test func crashedServiceIsRestarted() async throws {
        let p = try await Platform()
        let first = try await p.deploy("notes", from: notes)
        let pid = first["pid"]?.int
        _ = try? await p.call("GET", "/s/notes/crash")  // the service exits with code 3
        try await Task.sleep(nanoseconds: 100_000_000)
        let back = try await p.wait("notes", for: "running")
        #expect(back["pid"]?.int != pid)
        let (status, _, _) = try await p.call("GET", "/s/notes/notes")
        #expect(status == 200)
        let logs = try await p.call("GET", "/api/v1/services/notes/logs?tail=50").1
        #expect(logs["lines"]?.array?.contains { $0.string?.contains("exited: exit code 3") == true } == true)
        await p.stop()
    }

    @Test func killDashNineLeavesNoOrphansAndServicesComeBack() async throws {
        let p = try await Platform()
        try await p.deploy("notes", from: notes)
        _ = try await p.call("POST", "/s/notes/notes", ["text": "survives"])
        #expect(p.denoProcesses().count == 1)
        try await p.restart(kill9: true)
        // The parent-death signal took the child down with the server...
        #expect(p.denoProcesses().count <= 1)
        let back = try await p.wait("notes", for: "running")
        #expect(back["status"]?.string == "running")
        // ...and exactly one runs again, with its data.
        #expect(p.denoProcesses().count == 1)
        let (_, list, _) = try await p.call("GET", "/s/notes/notes")
        #expect(list["notes"]?[0]?["text"]?.string == "survives")
        await p.stop()
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(p.denoProcesses().isEmpty, "a clean stop stops the services too")
    }

    @Test func missingSecretKeepsTriggerStoppedUntilSet() async throws {
        let p = try await Platform()
        let created = try await p.deploy("github", from: webhook)
        #expect(created["status"]?.string == "stopped")
        #expect(created["reason"]?.string?.contains("WEBHOOK_SECRET") == true)
        let (_, secrets, _) = try await p.call("GET", "/api/v1/secrets")
        #expect(secrets["secrets"]?[0]?["name"]?.string == "WEBHOOK_SECRET")
        #expect(secrets["secrets"]?[0]?["set"]?.bool == false)
        #expect(secrets["secrets"]?[0]?["services"] == ["github"])

        let (s1, _, _) = try await p.call("PUT", "/api/v1/secrets/WEBHOOK_SECRET", ["value": "s3cr3t-value"])
        #expect(s1 == 200)
        _ = try await p.wait("github", for: "running")
        let (_, listed, _) = try await p.call("GET", "/api/v1/secrets")
        #expect(!listed.text.contains("s3cr3t-value"), "values are never listed")

        // A signed delivery: refused while no active workflow would run it, then queued as a run, once per delivery id.
        let payload = Array(#"{"action":"opened","number":7}"#.utf8)
        let signature = "sha256=" + Hex.encode(Digest.hmacSHA256(key: Array("s3cr3t-value".utf8), message: payload))
        func deliver() async throws -> ClientResponse {
            try await p.client.send(ClientRequest(method: "POST", url: p.base + "/s/github/webhook",
                                                  headers: [("X-Hub-Signature-256", signature), ("X-GitHub-Event", "pull_request"),
                                                            ("X-GitHub-Delivery", "delivery-1")], body: payload))
        }
        let orphan = try await deliver()
        #expect(orphan.status == 409)
        #expect(orphan.text.contains("not in an active workflow"))
        let (sw, _, _) = try await p.call("POST", "/api/v1/workflows", ["slug": "gh-flow", "trigger": "github", "steps": ["Log the event."]])
        #expect(sw == 201)
        let good = try await deliver()
        #expect(good.status == 202)
        let accepted = JSONValue.parse(good.body)
        let runID = try #require(accepted?["runId"]?.string)
        let again = JSONValue.parse(try await deliver().body)
        #expect(again?["runId"]?.string == runID)
        #expect(again?["duplicate"]?.bool == true)
        let runs = try await p.call("GET", "/api/v1/runs?workflow=gh-flow").1["runs"]?.array ?? []
        #expect(runs.count == 1)
        #expect(runs[0]["cause"]?.string == "event")
        #expect(runs[0]["input"]?["event"]?.string == "github.pull_request")
        #expect(runs[0]["input"]?["payload"]?["number"]?.int == 7)
        let forged = try await p.client.send(ClientRequest(method: "POST", url: p.base + "/s/github/webhook",
                                                           headers: [("X-Hub-Signature-256", "sha256=00")], body: payload))
        #expect(forged.status == 401)
        // The callback lives on its own listener only, and refuses notifications without the service's token.
        #expect(try await p.call("POST", "/internal/services/github/events", ["event": "x"], headers: [("Authorization", "Bearer wrong")]).0 == 404)
        let callback = try #require(p.bin.startupLog.firstMatch(of: /callback=127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) })
        let s2 = try await p.client.send(ClientRequest(method: "POST", url: "http://127.0.0.1:\(callback)/internal/services/github/events",
                                                       headers: [("Authorization", "Bearer wrong")], body: Array(#"{"event":"x","payload":{}}"#.utf8))).status
        #expect(s2 == 401)
        await p.stop()
        #expect(!p.bin.remainingStderr().contains("s3cr3t-value"), "values never reach the logs")
    }

    @Test func denoSandboxDeniesWhatTheManifestDoesNotGrant() async throws {
        let p = try await Platform()
        try await p.deploy("sandbox", from: sandbox)
        for path in ["/read-outside", "/write-outside", "/fetch-undeclared", "/env"] {
            let (status, r, _) = try await p.call("GET", "/s/sandbox" + path)
            #expect(status == 200, "\(path)")
            #expect(r["allowed"]?.bool == false, "\(path) must be denied: \(r.text)")
            #expect(r["error"]?.string == "NotCapable", "\(path): \(r.text)")
        }
        await p.stop()
    }

    @Test func proxyStreamsLargeUploadsDownloadsSSEAndWebSockets() async throws {
        let p = try await Platform()
        try await p.deploy("sandbox", from: sandbox)
        // 50 MB up, streamed (far beyond the 16 MiB limit for buffered bodies).
        var body = [UInt8](repeating: 7, count: 50 * 1024 * 1024)
        body[0] = 1
        body[body.count - 1] = 9
        let up = try await p.client.send(ClientRequest(method: "POST", url: p.base + "/s/sandbox/upload", body: body, timeout: 120))
        #expect(up.status == 200)
        let info = JSONValue.parse(up.body)
        #expect(info?["bytes"]?.int == 50 * 1024 * 1024)
        #expect(info?["first"]?.int == 1)
        #expect(info?["last"]?.int == 9)
        #expect(info?["forwardedFor"]?.string == "127.0.0.1")
        #expect(info?["requestId"]?.string == up.header("X-Request-Id"))
        // 50 MB down.
        let down = try await p.client.send(ClientRequest(url: p.base + "/s/sandbox/big?size=52428800", timeout: 120))
        #expect(down.body.count == 52_428_800)
        // SSE arrives event by event.
        let started = Date()
        let stream = try await p.client.stream(ClientRequest(url: p.base + "/s/sandbox/sse"))
        var arrivals: [Double] = []
        var text = ""
        for try await chunk in stream.body {
            arrivals.append(Date().timeIntervalSince(started))
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(text == "data: tick 1\n\ndata: tick 2\n\ndata: tick 3\n\n")
        #expect(arrivals.count >= 3 && arrivals.last! - arrivals.first! > 0.2)
        // WebSocket through the proxy.
        let ws = try await WSClient(port: p.bin.port, path: "/s/sandbox/ws")
        try ws.sendText("hello")
        #expect(try await ws.readText() == "echo:hello")
        await p.stop()
    }

    @Test func slugsAndPathsCannotEscape() async throws {
        let p = try await Platform()
        for slug in ["../etc", "a/b", "UPPER", "-x", String(repeating: "a", count: 49), ""] {
            let (status, r, _) = try await p.call("POST", "/api/v1/services", ["slug": .string(slug), "files": try Platform.files(notes)])
            #expect(status == 400, "slug \(slug)")
            #expect(r["error"]?["code"]?.string == "invalid_slug")
        }
        let (s1, r1, _) = try await p.call("POST", "/api/v1/services", ["slug": "bad-files", "files": ["main.ts": "x", "service.json": "{}", "../evil.ts": "x"]])
        #expect(s1 == 400)
        #expect(r1["error"]?["code"]?.string == "invalid_files")
        try await p.deploy("sandbox", from: sandbox)
        for path in ["/s/sandbox/../etc/passwd", "/s/sandbox/%2e%2e/x", "/s/sandbox/a/%2E%2e/b", "/s/sandbox/a%2f..%2fb"] {
            let raw = try RawClient(port: p.bin.port)
            try raw.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let r = try await raw.readResponse()
            #expect(r.status == 400, "\(path) answered \(r.status)")
        }
        await p.stop()
    }

    @Test func endpointsKeepTheirIdsAcrossRedeploys() async throws {
        let p = try await Platform()
        let first = try await p.deploy("notes", from: notes)
        func ids(_ s: JSONValue) -> [String: String] {
            Dictionary(uniqueKeysWithValues: (s["endpoints"]?.array ?? []).compactMap { e in
                e["id"]?.string.map { ("\(e["method"]?.string ?? "") \(e["path"]?.string ?? "")", $0) }
            })
        }
        let before = ids(first)
        var files = try Platform.files(notes)
        if case .object(var o) = files, case .object(var m)? = JSONValue.parse(o["service.json"]?.string ?? ""), case .array(var eps)? = m["endpoints"] {
            let removed = eps.removeLast()
            eps.append(["method": "GET", "path": "/notes/count", "description": "How many notes."])
            m["endpoints"] = .array(eps)
            o["service.json"] = .string(JSONValue.object(m).text)
            files = .object(o)
            let (status, second, _) = try await p.call("PATCH", "/api/v1/services/notes", ["files": files])
            #expect(status == 200, "\(second.text)")
            #expect(second["version"]?.int == 2)
            let after = ids(second)
            for (key, id) in before where key != "\(removed["method"]?.string ?? "") \(removed["path"]?.string ?? "")" {
                #expect(after[key] == id, "\(key) kept its id")
            }
            #expect(after["GET /notes/count"] != nil)
            #expect(after.count == before.count)
        } else {
            Issue.record("notes' manifest has no endpoints")
        }
        await p.stop()
    }

    @Test func versionsRollbackAndDownload() async throws {
        let p = try await Platform()
        try await p.deploy("sandbox", from: sandbox)
        var files = try Platform.files(sandbox)
        if case .object(var o) = files {
            o["main.ts"] = .string(o["main.ts"]!.string!.replacingOccurrences(of: "return new Response(\"ok\");", with: "return new Response(\"ok v2\");"))
            files = .object(o)
        }
        let (s1, v2, _) = try await p.call("PATCH", "/api/v1/services/sandbox", ["files": files])
        #expect(s1 == 200)
        #expect(v2["version"]?.int == 2)
        #expect(v2["versions"] == [1, 2])
        let after = try await p.wait("sandbox", for: "running")
        #expect(after["runningVersion"]?.int == 2)
        #expect(try await p.client.send(ClientRequest(url: p.base + "/s/sandbox/health")).text == "ok v2")
        let (s2, back, _) = try await p.call("POST", "/api/v1/services/sandbox/rollback", ["version": 1])
        #expect(s2 == 200)
        #expect(back["version"]?.int == 1)
        _ = try await p.wait("sandbox", for: "running")
        #expect(try await p.client.send(ClientRequest(url: p.base + "/s/sandbox/health")).text == "ok")
        let archive = try await p.client.send(ClientRequest(url: p.base + "/api/v1/services/sandbox/download"))
        #expect(archive.status == 200)
        #expect(archive.body.prefix(2) == [0x1F, 0x8B])  // gzip
        let (s3, _, _) = try await p.call("POST", "/api/v1/services/sandbox/rollback", ["version": 9])
        #expect(s3 == 404)
        let (s4, _, _) = try await p.call("DELETE", "/api/v1/services/sandbox")
        #expect(s4 == 204)
        #expect(try await p.call("GET", "/api/v1/services/sandbox").0 == 404)
        await p.stop()
    }
}
