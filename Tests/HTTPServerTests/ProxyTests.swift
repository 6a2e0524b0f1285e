import CNetShim
import Core
import Foundation
import HTTPServer
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The reverse proxy in-process, against scripted services on loopback ports: what it forwards, what it relays, and
/// how it answers and logs when a service fails.
@Suite struct ProxyTests {
    /// A service on a loopback port: for every request it reads (head and `Content-Length` body) it records the
    /// request and sends `reply`, or nothing at all when `reply` is nil. Blocking sockets on threads of its own.
    final class ScriptedService: @unchecked Sendable {
        let port: Int
        private let fd: Int32
        private let reply: [UInt8]?
        private let seen = Locked<[String]>([])
        private let open = Locked<[Int32]>([])

        init(reply: String?) throws {
            self.reply = reply.map { Array($0.utf8) }
            fd = op_listen_tcp("127.0.0.1", 0, 16)
            guard fd >= 0 else { throw TestError("listen failed: errno \(-fd)") }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            port = Int(op_local_port(fd))
            Thread.detachNewThread { [self] in acceptLoop() }
        }

        var requests: [String] { seen.withLock { $0 } }

        private func acceptLoop() {
            while true {
                let c = Glibc.accept(fd, nil, nil)
                guard c >= 0 else { return }  // the listener was shut down
                open.withLock { $0.append(c) }
                Thread.detachNewThread { [self] in serve(c) }
            }
        }

        private func serve(_ c: Int32) {
            var buffer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                // One whole request: its head, then as many body bytes as it announces.
                guard let headEnd = ScriptedService.find(buffer, [13, 10, 13, 10]) else {
                    let n = chunk.withUnsafeMutableBytes { Glibc.read(c, $0.baseAddress, 65536) }
                    guard n > 0 else { return }
                    buffer += chunk[0..<n]
                    continue
                }
                let head = String(decoding: buffer[0..<headEnd], as: UTF8.self)
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                while buffer.count < headEnd + 4 + length {
                    let n = chunk.withUnsafeMutableBytes { Glibc.read(c, $0.baseAddress, 65536) }
                    guard n > 0 else { return }
                    buffer += chunk[0..<n]
                }
                seen.withLock { $0.append(String(decoding: buffer[0..<(headEnd + 4 + length)], as: UTF8.self)) }
                buffer.removeFirst(headEnd + 4 + length)
                guard let reply else { continue }  // silent: hold the connection, answer nothing
                _ = reply.withUnsafeBytes { op_send(c, $0.baseAddress!, $0.count) }
            }
        }

        static func find(_ b: [UInt8], _ pattern: [UInt8]) -> Int? {
            guard b.count >= pattern.count else { return nil }
            outer: for i in 0...(b.count - pattern.count) {
                for j in 0..<pattern.count where b[i + j] != pattern[j] { continue outer }
                return i
            }
            return nil
        }

        func stop() {
            shutdown(fd, Int32(SHUT_RDWR))
            Glibc.close(fd)
            for c in open.withLock({ $0 }) { shutdown(c, Int32(SHUT_RDWR)) }
        }
    }

    /// A server whose `/<name>/*rest` routes forward to `services[name]`, logging warnings into `sink`.
    func withProxy(_ services: [String: ScriptedService], responseTimeout: Double = 60, sink: LogSink,
                   _ body: (HTTPServer) async throws -> Void) async throws {
        var router = Router()
        for (name, service) in services {
            let port = service.port
            for method in ["GET", "POST", "PUT"] {
                router.add(method, "/\(name)/*rest", .proxy { req in
                    .forward(port: port, target: "/" + (req.parameters["rest"] ?? "") + (req.rawQuery.isEmpty ? "" : "?" + req.rawQuery),
                             prefix: "/\(name)")
                })
            }
        }
        var limits = testLimits()
        limits.proxyResponseTimeout = responseTimeout
        try await withServer(router, limits: limits, loops: 1, sink: sink, body)
    }

    @Test func forwardsTheRequestOnceAndRelaysTheAnswerOnAKeptAliveConnection() async throws {
        let service = try ScriptedService(reply: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\npong")
        defer { service.stop() }
        try await withProxy(["svc": service], sink: LogSink(capturingAt: .warn)) { server in
            let c = try RawClient(port: server.port)
            try c.send("POST /svc/a/b?q=1 HTTP/1.1\r\nHost: test\r\nX-Request-Id: ping-1\r\nX-Forwarded-Host: evil\r\nContent-Length: 5\r\n\r\nhello")
            let first = try await c.readResponse()
            #expect(first.status == 200)
            #expect(first.text == "pong")
            #expect(first.header("X-Request-Id") == "ping-1")
            try c.send("GET /svc/again HTTP/1.1\r\nHost: test\r\n\r\n")
            #expect(try await c.readResponse().text == "pong")
            let seen = service.requests
            #expect(seen.count == 2)
            let forwarded = try #require(seen.first)
            #expect(forwarded.hasPrefix("POST /a/b?q=1 HTTP/1.1\r\n"), "\(forwarded)")
            #expect(forwarded.contains("\r\nX-Forwarded-Host: test\r\n"))
            #expect(!forwarded.contains("evil"), "a client's X-Forwarded-* are not passed on")
            #expect(forwarded.contains("\r\nX-Forwarded-Prefix: /svc\r\n"))
            #expect(forwarded.contains("\r\nX-Request-Id: ping-1\r\n"))
            #expect(forwarded.hasSuffix("\r\nContent-Length: 5\r\n\r\nhello"))
            #expect(seen.last?.hasPrefix("GET /again HTTP/1.1\r\n") == true)
        }
    }

    @Test func aFailedForwardIsAnsweredAndLoggedWithTheRequestsMethodAndPath() async throws {
        let garbled = try ScriptedService(reply: "this is not HTTP\r\n\r\n")
        let silent = try ScriptedService(reply: nil)
        defer { garbled.stop(); silent.stop() }
        let sink = LogSink(capturingAt: .warn)
        try await withProxy(["garbled": garbled, "silent": silent], responseTimeout: 0.5, sink: sink) { server in
            // A request with a body (forwarded as it streams) to a service that answers something that is not HTTP.
            let bad = try RawClient(port: server.port)
            try bad.send("POST /garbled/orders/7?debug=1 HTTP/1.1\r\nHost: test\r\nX-Request-Id: bad-1\r\nContent-Length: 5\r\n\r\nhello")
            let r502 = try await bad.readResponse()
            #expect(r502.status == 502)
            #expect(r502.text.contains("\"code\":\"bad_gateway\""), "\(r502.text)")
            // A request without a body to a service that never answers.
            let slow = try RawClient(port: server.port)
            try slow.send("PUT /silent/jobs/9 HTTP/1.1\r\nHost: test\r\nX-Request-Id: slow-1\r\nContent-Length: 0\r\n\r\n")
            let r504 = try await slow.readResponse()
            #expect(r504.status == 504)
            #expect(r504.text.contains("\"code\":\"gateway_timeout\""), "\(r504.text)")
        }
        let lines = sink.capturedLines.filter { $0.contains("event=http.request") }
        #expect(lines.contains { $0.contains("request_id=bad-1 method=POST path=/garbled/orders/7 status=502 ") }, "\(lines)")
        #expect(lines.contains { $0.contains("request_id=slow-1 method=PUT path=/silent/jobs/9 status=504 ") }, "\(lines)")
        #expect(!lines.contains { $0.contains("method=GET path=/ ") }, "\(lines)")
    }

    /// A request for a service another replica runs goes there marked as relayed. A replica that refuses it, or
    /// does not even accept a connection (a machine switched off drops the handshake), means the service is moving:
    /// `503 service_moving` within `relayConnectTimeout`, not a 504 after the response timeout. A replica that
    /// accepted the connection but does not answer is a slow service: 504.
    @Test func relaysAreMarkedAndAReplicaThatCannotBeReachedMeansTheServiceIsMoving() async throws {
        let replica = try ScriptedService(reply: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        let silent = try ScriptedService(reply: nil)
        defer { replica.stop(); silent.stop() }
        // Nobody listens on a port just given up.
        let closed = op_listen_tcp("127.0.0.1", 0, 1)
        let refusing = Int(op_local_port(closed))
        Glibc.close(closed)
        // A listener that never accepts, its backlog full: further handshakes are dropped and connects hang.
        let full = op_listen_tcp("127.0.0.1", 0, 0)
        defer { Glibc.close(full) }
        let fillers = (0..<2).map { _ in op_connect_nonblock("127.0.0.1", op_local_port(full)) }
        defer { for f in fillers { Glibc.close(f) } }
        try await Task.sleep(nanoseconds: 200_000_000)

        var router = Router()
        for (name, port) in [("up", replica.port), ("silent", silent.port), ("refusing", refusing), ("off", Int(op_local_port(full)))] {
            router.add("GET", "/\(name)/*rest", .proxy { _ in .relay(to: UpstreamAddress(ip: "127.0.0.1", port: port)) })
        }
        var limits = testLimits()
        limits.relayConnectTimeout = 0.3
        limits.proxyResponseTimeout = 2
        try await withServer(router, limits: limits, loops: 1, sink: LogSink(capturingAt: .warn)) { server in
            let c = try RawClient(port: server.port)
            try c.send("GET /up/x HTTP/1.1\r\nHost: test\r\n\r\n")
            #expect(try await c.readResponse().text == "ok")
            #expect(replica.requests.first?.contains("\r\n\(RelayHeader.name): ") == true, "\(replica.requests)")

            for name in ["refusing", "off"] {
                let client = try RawClient(port: server.port)
                try client.send("GET /\(name)/x HTTP/1.1\r\nHost: test\r\n\r\n")
                let r = try await client.readResponse()
                #expect(r.status == 503, "\(name): \(r.text)")
                #expect(r.text.contains("\"code\":\"service_moving\""), "\(name): \(r.text)")
                #expect(r.header("Retry-After") == "2")
            }
            let slow = try RawClient(port: server.port)
            try slow.send("GET /silent/x HTTP/1.1\r\nHost: test\r\n\r\n")
            let r = try await slow.readResponse()
            #expect(r.status == 504, "a connected replica that does not answer in time: \(r.text)")
        }
    }
}
