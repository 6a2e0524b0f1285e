import Foundation
import HTTPServer
import Testing
import TestSupport

@Suite struct ConnectionTests {
    @Test func keepAliveServesManyRequestsOnOneConnection() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            for i in 0..<50 {
                try c.send(get("/items/\(i)"))
                let r = try await c.readResponse()
                #expect(r.text == "item=\(i) q=-")
                #expect(r.header("Connection") == nil)
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            // A slow async request first: the fast ones behind it must wait their turn.
            try c.send(get("/slow?ms=150") + get("/hello") + get("/items/2") + "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc" + get("/hello"))
            #expect(try await c.readResponse().text == "slow 150")
            #expect(try await c.readResponse().text == "hello")
            #expect(try await c.readResponse().text == "item=2 q=-")
            #expect(try await c.readResponse().text == "abc")
            #expect(try await c.readResponse().text == "hello")
        }
    }

    @Test func requestSplitAcrossManyWrites() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            let request = Array("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 11\r\n\r\nhello world".utf8)
            for b in request {
                try c.send([b])
            }
            #expect(try await c.readResponse().text == "hello world")
        }
    }

    @Test func chunkedRequestBodyIsDecoded() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.text == "hello world")
            #expect(r.header("X-Body-Length") == "11")
            // The connection is still usable after a chunked request.
            try c.send(get("/hello"))
            #expect(try await c.readResponse().text == "hello")
        }
    }

    @Test func streamedResponsesAreChunked() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/stream"))
            let r = try await c.readResponse()
            #expect(r.header("Transfer-Encoding") == "chunked")
            #expect(r.text == "alpha beta gamma")
            try c.send(get("/sse"))
            let sse = try await c.readResponse()
            #expect(sse.header("Content-Type") == "text/event-stream")
            #expect(sse.text.hasPrefix("event: tick\nid: 1\ndata: tick 1\ndata: line two\n\n"))
            #expect(sse.text.components(separatedBy: "\n\n").count == 4)
        }
    }

    @Test func largeStreamWithKnownLengthAndSlowReader() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/big?size=3000000"))
            try await Task.sleep(nanoseconds: 200_000_000)  // let the server hit backpressure
            let r = try await c.readResponse()
            #expect(r.header("Content-Length") == "3000000")
            #expect(r.body.count == 3_000_000)
            #expect(r.body.allSatisfy { $0 == UInt8(ascii: "x") })
        }
    }

    @Test func expectContinueGetsInterimResponse() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let interim = try await c.readResponse()
            #expect(interim.status == 100)
            try c.send("data")
            #expect(try await c.readResponse().text == "data")
        }
    }

    @Test func expectContinueWithOversizedBodyIsRefusedUpFront() async throws {
        var limits = testLimits()
        limits.maxBodyBytes = 1000
        try await withServer(limits: limits) { server in
            let c = try RawClient(port: server.port)
            try c.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.status == 413)
            #expect(r.header("Connection") == "close")
        }
    }

    @Test func connectionCloseAndHTTP10() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/hello", "Connection: close\r\n"))
            let r = try await c.readResponse()
            #expect(r.header("Connection") == "close")
            #expect(await c.isClosedByPeer())

            let old = try RawClient(port: server.port)
            try old.send("GET /hello HTTP/1.0\r\n\r\n")
            #expect(try await old.readResponse().text == "hello")
            #expect(await old.isClosedByPeer())

            let keep = try RawClient(port: server.port)
            try keep.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let k = try await keep.readResponse()
            #expect(k.header("Connection") == "keep-alive")
            try keep.send("GET /items/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await keep.readResponse().text == "item=1 q=-")
        }
    }

    @Test func halfClosedClientStillGetsItsAnswer() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/slow?ms=50"))
            c.shutdownWrite()
            #expect(try await c.readResponse().text == "slow 50")
            #expect(await c.isClosedByPeer())
        }
    }

    @Test func manyConcurrentConnections() async throws {
        try await withServer { server in
            let port = server.port
            try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        let c = try RawClient(port: port)
                        var ok = 0
                        for j in 0..<20 {
                            try c.send(get("/items/\(i)-\(j)"))
                            if try await c.readResponse().text == "item=\(i)-\(j) q=-" { ok += 1 }
                        }
                        return ok
                    }
                }
                var total = 0
                for try await n in group { total += n }
                #expect(total == 800)
            }
        }
    }
}
