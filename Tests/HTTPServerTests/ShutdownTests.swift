import Core
import Foundation
import HTTPServer
import Testing
import TestSupport

@Suite struct ShutdownTests {
    @Test func inFlightRequestsFinishAndNewConnectionsAreRefused() async throws {
        var router = Router()
        installTestRoutes(&router)
        var limits = ServerLimits()
        // Far longer than the slow request: finishing well before it shows shutdown waited for the request, not the
        // grace, however slowly a loaded machine runs the test.
        limits.shutdownGrace = 30
        // Its own loopback address: no other test's server can take the port once this one lets it go.
        let host = "127.0.0.2"
        let server = try HTTPServer(configuration: ServerConfiguration(host: host, port: 0, eventLoops: 2, limits: limits),
                                    router: router, logger: Logger(sink: LogSink(capturingAt: .error)))
        let port = server.port
        let busy = try RawClient(port: port, host: host)
        let idle = try RawClient(port: port, host: host)
        try idle.send(get("/hello"))
        #expect(try await idle.readResponse().status == 200)
        try busy.send(get("/slow?ms=600"))
        try await Task.sleep(nanoseconds: 100_000_000)

        let started = Date()
        async let stopped: Void = server.shutdown()
        try await Task.sleep(nanoseconds: 150_000_000)
        // Idle keep-alive connections are closed at once; no new connection is accepted.
        #expect(await idle.isClosedByPeer())
        var refused = false
        for _ in 0..<40 where !refused {
            refused = (try? RawClient(port: port, host: host, timeoutMs: 500)) == nil
            if !refused { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        #expect(refused)
        // The in-flight request still gets its full answer, marked as the connection's last.
        let r = try await busy.readResponse()
        #expect(r.text == "slow 600")
        #expect(r.header("Connection") == "close")
        await stopped
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(server.openConnections == 0)
    }

    @Test func graceIsBoundedForStuckClients() async throws {
        var router = Router()
        installTestRoutes(&router)
        var limits = ServerLimits()
        limits.shutdownGrace = 0.5
        let server = try HTTPServer(configuration: ServerConfiguration(port: 0, eventLoops: 1, limits: limits),
                                    router: router, logger: Logger(sink: LogSink(capturingAt: .error)))
        let stuck = try RawClient(port: server.port)
        try stuck.send(get("/slow?ms=30000"))
        try await Task.sleep(nanoseconds: 100_000_000)
        let started = Date()
        await server.shutdown()
        // A 0.5 s grace against a 30 s handler: half the handler's time still tells the two apart, with room for a
        // loaded (or sanitized) run.
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(await stuck.isClosedByPeer())
    }
}
