import CNetShim
import Core
import Foundation
import HTTPClient
import HTTPServer
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The libcurl client against our own server over real sockets.
@Suite struct HTTPClientTests {
    func withServer(_ body: (Int) async throws -> Void) async throws {
        var r = Router()
        r.post("/echo") { req in
            var resp = Response(status: 201, body: .bytes(req.body))
            resp.headers.add("X-Method", req.method)
            resp.headers.add("X-Auth", req.headers["Authorization"] ?? "none")
            return resp
        }
        r.get("/sse") { _ in
            Response(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]), body: .stream(length: nil) { w in
                for i in 1...3 {
                    try await w.writeEvent(data: "{\"n\":\(i)}")
                    try await Task.sleep(nanoseconds: 100_000_000)
                }
            })
        }
        r.get("/hang") { _ in
            try await Task.sleep(nanoseconds: 5_000_000_000)
            return Response.text("late")
        }
        r.get("/big") { _ in Response(status: 200, body: .bytes([UInt8](repeating: 7, count: 300_000))) }
        r.get("/endless") { _ in
            Response(status: 200, body: .stream(length: nil) { w in
                while true {
                    try await w.write([UInt8](repeating: 1, count: 1024))
                    try await Task.sleep(nanoseconds: 5_000_000)
                }
            })
        }
        var limits = ServerLimits()
        limits.shutdownGrace = 1
        let server = try HTTPServer(configuration: ServerConfiguration(port: 0, eventLoops: 1, limits: limits),
                                    router: r, logger: Logger(sink: LogSink(capturingAt: .error)))
        do { try await body(server.port) } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test func sendsBodyAndHeaders() async throws {
        try await withServer { port in
            let client = HTTPClient()
            let r = try await client.send(ClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/echo",
                                                        headers: [("Authorization", "Bearer t0k\r\nX-Injected: 1")],
                                                        body: Array("payload".utf8)))
            #expect(r.status == 201)
            #expect(r.text == "payload")
            #expect(r.header("x-method") == "POST")
            #expect(r.header("X-Auth") == "Bearer t0kX-Injected: 1")
            #expect(r.header("X-Request-Id") != nil)
        }
    }

    @Test func streamsServerSentEventsAsTheyArrive() async throws {
        try await withServer { port in
            let client = HTTPClient()
            let started = Date()
            let stream = try await client.stream(ClientRequest(url: "http://127.0.0.1:\(port)/sse"))
            #expect(stream.status == 200)
            var arrivals: [TimeInterval] = []
            var text = ""
            for try await chunk in stream.body {
                arrivals.append(Date().timeIntervalSince(started))
                text += String(decoding: chunk, as: UTF8.self)
            }
            #expect(text == "data: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: {\"n\":3}\n\n")
            // Chunks came over time, not all at the end.
            #expect(arrivals.count >= 3)
            #expect(arrivals.last! - arrivals.first! > 0.15)
        }
    }

    @Test func timeoutIsReported() async throws {
        try await withServer { port in
            let client = HTTPClient()
            await #expect(throws: HTTPClientError.timeout(url: "http://127.0.0.1:\(port)/hang", seconds: 0.3)) {
                _ = try await client.send(ClientRequest(url: "http://127.0.0.1:\(port)/hang", timeout: 0.3))
            }
        }
    }

    @Test func refusedConnectionIsReported() async throws {
        let client = HTTPClient()
        do {
            _ = try await client.send(ClientRequest(url: "http://127.0.0.1:1/", timeout: 2))
            Issue.record("expected an error")
        } catch let HTTPClientError.connectFailed(url, message) {
            #expect(url == "http://127.0.0.1:1/")
            #expect(!message.isEmpty)
        }
    }

    /// A host that never completes the handshake (a listener whose backlog is full drops it, as a machine that is
    /// switched off would) is a connect failure after `connectTimeout`, not a slow answer.
    @Test func aHandshakeThatNeverCompletesIsAConnectFailure() async throws {
        let full = op_listen_tcp("127.0.0.1", 0, 0)
        defer { close(full) }
        let port = Int(op_local_port(full))
        let fillers = (0..<2).map { _ in op_connect_nonblock("127.0.0.1", Int32(port)) }
        defer { for f in fillers { close(f) } }
        try await Task.sleep(nanoseconds: 200_000_000)
        do {
            _ = try await HTTPClient().send(ClientRequest(url: "http://127.0.0.1:\(port)/", timeout: 5, connectTimeout: 0.3))
            Issue.record("expected an error")
        } catch let HTTPClientError.connectFailed(url, message) {
            #expect(url == "http://127.0.0.1:\(port)/")
            #expect(message == "no connection within 0.3 s")
        }
    }

    @Test func oversizedResponseIsCut() async throws {
        try await withServer { port in
            let client = HTTPClient(maxResponseBytes: 100_000)
            await #expect(throws: HTTPClientError.responseTooLarge(url: "http://127.0.0.1:\(port)/big", limit: 100_000)) {
                _ = try await client.send(ClientRequest(url: "http://127.0.0.1:\(port)/big"))
            }
        }
    }

    @Test func abandoningAStreamStopsTheTransfer() async throws {
        try await withServer { port in
            let client = HTTPClient()
            let stream = try await client.stream(ClientRequest(url: "http://127.0.0.1:\(port)/endless", timeout: 0))
            var received = 0
            for try await chunk in stream.body {
                received += chunk.count
                if received > 10_000 { break }
            }
            #expect(received > 10_000)
        }
    }

    @Test func rejectsNonHTTPURLs() async throws {
        await #expect(throws: HTTPClientError.invalidURL("file:///etc/passwd")) {
            _ = try await HTTPClient().send(ClientRequest(url: "file:///etc/passwd"))
        }
    }
}
