import Foundation
import HTTPServer
import Testing
import TestSupport

@Suite struct LimitTests {
    @Test func overlongRequestLineIs414() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.status == 414)
            #expect(r.text.contains("uri_too_long"))
            #expect(await c.isClosedByPeer())
        }
    }

    @Test func oversizedHeadersAre431() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/hello", "X-Big: " + String(repeating: "b", count: 40_000) + "\r\n"))
            #expect(try await c.readResponse().status == 431)
            #expect(await c.isClosedByPeer())
        }
    }

    @Test func tooManyHeaderFieldsAre431() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            let many = (0..<150).map { "X-H\($0): v\r\n" }.joined()
            try c.send(get("/hello", many))
            let r = try await c.readResponse()
            #expect(r.status == 431)
            #expect(r.text.contains("header fields"))
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        var limits = testLimits()
        limits.maxBodyBytes = 1024
        try await withServer(limits: limits) { server in
            let declared = try RawClient(port: server.port)
            try declared.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2048\r\n\r\n" + String(repeating: "z", count: 2048))
            let r = try await declared.readResponse()
            #expect(r.status == 413)
            #expect(r.text.contains("body_too_large"))

            let chunked = try RawClient(port: server.port)
            try chunked.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n300\r\n" + String(repeating: "z", count: 768) + "\r\n300\r\n")
            #expect(try await chunked.readResponse().status == 413)

            // Exactly at the limit is fine.
            let exact = try RawClient(port: server.port)
            try exact.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1024\r\n\r\n" + String(repeating: "q", count: 1024))
            #expect(try await exact.readResponse().body.count == 1024)
        }
    }

    @Test func slowHeadersAre408() async throws {
        var limits = testLimits()
        limits.headerTimeout = 0.3
        try await withServer(limits: limits) { server in
            let c = try RawClient(port: server.port)
            try c.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n")  // never finishes the head
            let r = try await c.readResponse()
            #expect(r.status == 408)
            #expect(r.text.contains("request_timeout"))
            #expect(await c.isClosedByPeer())
        }
    }

    @Test func trickledHeadersStillTimeOut() async throws {
        // A slowloris client that sends a byte now and then must not extend its deadline.
        var limits = testLimits()
        limits.headerTimeout = 0.4
        try await withServer(limits: limits) { server in
            let c = try RawClient(port: server.port)
            try c.send("GET /hello HTTP/1.1\r\n")
            var got408 = false
            for _ in 0..<12 {
                try await Task.sleep(nanoseconds: 100_000_000)
                if (try? c.send("X-A: b\r\n")) == nil { break }
            }
            if let r = try? await c.readResponse() { got408 = r.status == 408 }
            #expect(got408)
        }
    }

    @Test func slowBodyIs408() async throws {
        var limits = testLimits()
        limits.bodyTimeout = 0.3
        try await withServer(limits: limits) { server in
            let c = try RawClient(port: server.port)
            try c.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nabc")
            #expect(try await c.readResponse().status == 408)
        }
    }

    @Test func idleConnectionsAreClosedQuietly() async throws {
        var limits = testLimits()
        limits.idleTimeout = 0.3
        try await withServer(limits: limits) { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/hello"))
            #expect(try await c.readResponse().status == 200)
            let started = Date()
            #expect(await c.isClosedByPeer())
            #expect(c.pending.isEmpty)  // no 408 on an idle connection
            // 0.3 s idle limit against a 75 s default: the margin absorbs the whole suite starting at once on 2 cores
            // (dozens of `deno check` processes; 10.9 s was seen).
            #expect(Date().timeIntervalSince(started) < 30)
        }
    }

    @Test func connectionsOverTheLimitGet503() async throws {
        var limits = testLimits()
        limits.maxConnections = 3
        try await withServer(limits: limits, loops: 1) { server in
            let held = try (0..<3).map { _ in try RawClient(port: server.port) }
            try await Task.sleep(nanoseconds: 100_000_000)
            let extra = try RawClient(port: server.port)
            let r = try await extra.readResponse()
            #expect(r.status == 503)
            #expect(r.header("Retry-After") == "1")
            // The held connections still work, and once one closes there is room again.
            try held[0].send(get("/hello"))
            #expect(try await held[0].readResponse().text == "hello")
            _ = held.count
        }
    }
}
