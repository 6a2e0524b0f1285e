import CNetShim
import Core
import Foundation
@testable import Services
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Health and readiness probes go through the platform's HTTP client: any framing a service answers with, a
/// status or nil within the timeout, and no cooperative thread held while a service is slow.
@Suite struct ProbeTests {
    @Test func answersTheStatusWhateverTheFraming() async throws {
        let chunked = try CannedServer(response: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        let sized = try CannedServer(response: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown")
        let bare = try CannedServer(response: "HTTP/1.1 204 No Content\r\n\r\n")
        defer { [chunked, sized, bare].forEach { $0.stop() } }
        #expect(await Probe.status(port: chunked.port, timeout: 20) == 200)
        #expect(await Probe.status(port: sized.port, timeout: 20) == 503)
        #expect(await Probe.status(port: bare.port, path: "/other", timeout: 20) == 204)
        let closed = try #require(Probe.freePort(in: 24000...24999, avoiding: []))
        #expect(await Probe.status(port: closed, timeout: 20) == nil)
    }

    @Test func aSilentServiceTimesOutWithoutHoldingThePool() async throws {
        let silent = try CannedServer(response: nil)
        defer { silent.stop() }
        let finished = Locked(0)
        // More probes than the cooperative pool has threads: if a probe held one while it waited, the pool would be
        // full and the small task below could run only once probes gave up. Ordering, not wall time, is asserted:
        // the parallel suites can starve the pool for seconds.
        let probes = Task {
            await withTaskGroup(of: Int?.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        let s = await Probe.status(port: silent.port, timeout: 60)
                        finished.withLock { $0 += 1 }
                        return s
                    }
                }
                return await group.reduce(into: [Int?]()) { $0.append($1) }
            }
        }
        // Every probe is waiting on its connection (checked off the pool, which they might be holding).
        let connected = try await offPool { () throws -> Bool in
            let deadline = Date().addingTimeInterval(45)
            while silent.accepted.withLock({ $0 }) < 16, Date() < deadline { usleep(10_000) }
            return silent.accepted.withLock { $0 } >= 16
        }
        #expect(connected)
        let ranWhileProbesWaited = await Task { finished.withLock { $0 } == 0 }.value
        #expect(ranWhileProbesWaited, "a task waited for the probes: they hold pool threads")
        probes.cancel()  // a cancelled probe gives up at once, as a silent one does at its timeout
        let answers = await probes.value
        #expect(answers.count == 16 && answers.allSatisfy { $0 == nil })
    }
}
