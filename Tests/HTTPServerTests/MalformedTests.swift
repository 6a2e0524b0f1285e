import Foundation
import HTTPServer
import Testing
import TestSupport

/// Raw malformed input: every case gets 400 (or its specific status) and a closed connection, never a crash.
@Suite struct MalformedTests {
    static let cases: [(String, String, Int)] = [
        ("garbage request line", "HELLO\r\n\r\n", 400),
        ("missing version", "GET /hello\r\nHost: 127.0.0.1\r\n\r\n", 400),
        ("lower-case version", "GET /hello http/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
        ("HTTP/2 on an HTTP/1 port", "GET /hello HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505),
        ("double space", "GET  /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
        ("target without slash", "GET hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
        ("control byte in target", "GET /he\u{01}llo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
        ("method with bad characters", "GE(T /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
        ("missing Host", "GET /hello HTTP/1.1\r\n\r\n", 400),
        ("two Hosts", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("space before colon", "GET /hello HTTP/1.1\r\nHost : t\r\n\r\n", 400),
        ("header without colon", "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nJunk\r\n\r\n", 400),
        ("obs-fold continuation", "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: b\r\n c\r\n\r\n", 400),
        ("bare CR inside a value (injection)", "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: b\rX-Injected: 1\r\n\r\n", 400),
        ("NUL in a value", "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: b\u{00}c\r\n\r\n", 400),
        ("CL and TE together (smuggling)", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("conflicting Content-Lengths", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", 400),
        ("negative Content-Length", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n", 400),
        ("Content-Length with sign", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: +4\r\n\r\nabcd", 400),
        ("huge Content-Length", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        ("TE not ending in chunked", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        ("TE gzip, chunked", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
        ("non-hex chunk size", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", 400),
        ("empty chunk size", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\nab\r\n0\r\n\r\n", 400),
        ("chunk longer than declared", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n0\r\n\r\n", 400),
        ("overflowing chunk size", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n", 400),
        ("unsupported Expect", "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: magic\r\n\r\n", 417),
    ]

    @Test(arguments: 0..<cases.count)
    func malformedRequestIsRejected(_ index: Int) async throws {
        let (name, raw, status) = MalformedTests.cases[index]
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(raw)
            let r = try await c.readResponse()
            #expect(r.status == status, "\(name)")
            #expect(r.header("Connection") == "close", "\(name)")
            #expect(r.text.contains("\"error\""), "\(name)")
            #expect(await c.isClosedByPeer(), "\(name)")
            // The server is unharmed.
            let next = try RawClient(port: server.port)
            try next.send(get("/hello"))
            #expect(try await next.readResponse().text == "hello", "\(name)")
        }
    }

    @Test func truncatedBodyThenDisconnectLeavesServerHealthy() async throws {
        try await withServer { server in
            for _ in 0..<20 {
                let c = try RawClient(port: server.port)
                try c.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nshort")
                c.shutdownWrite()
                #expect(await c.isClosedByPeer())
            }
            #expect(server.openConnections <= 1)
            let c = try RawClient(port: server.port)
            try c.send(get("/hello"))
            #expect(try await c.readResponse().text == "hello")
        }
    }

    @Test func randomGarbageNeverCrashes() async throws {
        try await withServer { server in
            var rng = SystemRandomNumberGenerator()
            for _ in 0..<200 {
                let c = try RawClient(port: server.port, timeoutMs: 2000)
                let n = Int.random(in: 1...600, using: &rng)
                var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                bytes += Array("\r\n\r\n".utf8)
                try? c.send(bytes)
                if let r = try? await c.readResponse() { #expect(r.status >= 400) }
            }
            let c = try RawClient(port: server.port)
            try c.send(get("/hello"))
            #expect(try await c.readResponse().text == "hello")
        }
    }

    @Test func leadingEmptyLinesAreTolerated() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send("\r\n\r\n" + get("/hello"))
            #expect(try await c.readResponse().text == "hello")
        }
    }

    @Test func bareLFLineEndingsAreAccepted() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send("GET /hello HTTP/1.1\nHost: t\n\n")
            #expect(try await c.readResponse().text == "hello")
        }
    }
}
