import Core
import Foundation
import HTTPClient
import Testing
import TestSupport

/// `openpieces services …` and `openpieces secrets …` against a running server, and live logs.
@Suite(.serialized) struct ServiceCLITests {
    func cli(_ args: [String], url: String, stdin: String? = nil) async throws -> (Int32, String, String) {
        try await runProduct(args + ["--url", url], stdin: stdin)
    }

    @Test func servicesAndSecretsFromTheCommandLine() async throws {
        let p = try await Platform()
        let (c1, created, _) = try await cli(["services", "create", "gh", Platform.repoRoot + "/services/github-webhook"], url: p.base)
        #expect(c1 == 0)
        #expect(created.contains("stopped — missing secrets: WEBHOOK_SECRET"))
        let (c2, _, _) = try await cli(["secrets", "set", "WEBHOOK_SECRET"], url: p.base, stdin: "from-stdin-value\n")
        #expect(c2 == 0)
        _ = try await p.wait("gh", for: "running")
        let (_, listed, _) = try await cli(["secrets", "list"], url: p.base)
        #expect(listed.contains("WEBHOOK_SECRET\tset\tgh"))
        #expect(!listed.contains("from-stdin-value"))
        let (_, services, _) = try await cli(["services", "list"], url: p.base)
        #expect(services.contains("gh\trunning\tv1\thttp://gh.localhost:\(p.bin.port)/"))
        let (c3, _, err) = try await cli(["services", "stop", "missing"], url: p.base)
        #expect(c3 == 1)
        #expect(err.contains("No service 'missing'"))
        let (c4, _, err4) = try await cli(["services", "list"], url: "http://127.0.0.1:1")
        #expect(c4 == 1)
        #expect(err4.contains("Is `openpieces serve` running?"))
        await p.stop()
    }

    @Test func logsFollowLiveOverSSE() async throws {
        let p = try await Platform()
        try await p.deploy("notes", from: Platform.repoRoot + "/services/notes")
        let stream = try await p.client.stream(ClientRequest(url: p.base + "/api/v1/services/notes/logs?follow=1&tail=1", timeout: 0))
        #expect(stream.header("Content-Type") == "text/event-stream")
        var text = ""
        var crashed = false
        for try await chunk in stream.body {
            text += String(decoding: chunk, as: UTF8.self)
            if !crashed {
                crashed = true
                _ = try? await p.call("GET", "/s/notes/crash")  // its exit is logged live
            }
            if text.contains("exited: exit code 3") { break }
        }
        #expect(text.contains("data: "))
        #expect(text.contains("exited: exit code 3"))
        // Endpoints can also be registered through the API.
        let (s1, e, _) = try await p.call("POST", "/api/v1/services/notes/endpoints", ["method": "GET", "path": "/health", "description": "liveness"])
        #expect(s1 == 201)
        #expect(e["source"]?.string == "api")
        let (s2, _, _) = try await p.call("POST", "/api/v1/services/notes/endpoints", ["method": "GET", "path": "/health"])
        #expect(s2 == 409)
        await p.stop()
    }

    @Test func doctorReportsDeno() async throws {
        let home = try TestPaths.temporaryDirectory("doctor")
        let (code, out, _) = try await runProduct(["doctor", "--home", home])
        #expect(code == 0)
        #expect(out.contains("ok   deno: "))
        #expect(out.contains("sqlite 3."))
    }
}
