import Foundation
@testable import Services
import Testing

/// The egress policy and the limit watch as units: names judged by what they resolve to, and limits by samples over time.
@Suite struct EgressPolicyTests {
    func policy(_ table: [String: [String]]) -> EgressPolicy {
        var p = EgressPolicy()
        p.platformPorts = [39300]
        p.platformAddresses = [IPAddress(literal: "192.0.2.10")!]
        p.resolve = { name in table[name].map { $0.compactMap(IPAddress.init(literal:)) } }
        return p
    }

    @Test func aNameIsJudgedByWhatItResolvesTo() async throws {
        let p = policy(["rebind.example": ["93.184.216.34", "127.0.0.1"], "meta.example": ["169.254.169.254"],
                        "self.example": ["192.0.2.10"], "v6.example": ["::1"], "ok.example": ["93.184.216.34", "2606:2800:220:1::"]])
        for (host, reason) in [("rebind.example", "resolves to 127.0.0.1, a loopback"), ("meta.example:80", "resolves to 169.254.169.254, a link-local"),
                               ("self.example", "one of the platform's own addresses"), ("v6.example", "resolves to ::1"),
                               ("192.0.2.10:8080", "one of the platform's own addresses")] {
            await #expect(throws: EgressRefusal.self, "\(host)") { _ = try await p.check([host]) }
            do { _ = try await p.check([host]); Issue.record("\(host) passed") } catch { #expect(error.reason.contains(reason), "\(host): \(error.reason)") }
        }
        let ok = try await p.check(["ok.example:443", "unknown.example", "[2606:2800:220:1::]:443"])
        #expect(ok.map(\.denoForm) == ["ok.example:443", "unknown.example", "[2606:2800:220:1::]:443"])
    }

    @Test func exceptionsNameOneHostAndPortAndNeverThePlatform() async throws {
        var p = policy([:])
        p.exceptions = try EgressPolicy.exceptions(["127.0.0.1:11434", "[::1]:8080"])
        #expect(try await p.check(["127.0.0.1:11434"]).first?.denoForm == "127.0.0.1:11434")
        await #expect(throws: EgressRefusal.self) { _ = try await p.check(["127.0.0.1:11435"]) }
        #expect(throws: EgressRefusal.self) { _ = try EgressPolicy.exceptions(["127.0.0.1"]) }
        p.exceptions = try EgressPolicy.exceptions(["127.0.0.1:39300"])
        await #expect(throws: EgressRefusal.self) { _ = try await p.check(["127.0.0.1:39300"]) }
        // Deno is still told to deny the platform's ports, and whole loopback names only where no exception lives.
        p.exceptions = try EgressPolicy.exceptions(["[::1]:8080"])
        let deny = p.denoDenyList(except: nil)
        #expect(deny.contains("127.0.0.1:39300") && deny.contains("[::1]:39300") && deny.contains("169.254.169.254"))
        #expect(!deny.contains("[::1]") && deny.contains("localhost"))
        #expect(deny.contains("192.0.2.10"))
        #expect(!p.denoDenyList(except: 39300).contains("127.0.0.1:39300"), "a trigger's callback port stays reachable")
        // Every other service's and test run's port is denied too, so a name re-resolved to loopback reaches none.
        let own = p.denoDenyList(except: nil, ownPort: 30007)
        #expect(own.contains("127.0.0.1:30008") && own.contains("127.0.0.1:31999") && !own.contains("127.0.0.1:30007"))
        p.exceptions = try EgressPolicy.exceptions(["127.0.0.1:30500"])
        #expect(!p.denoDenyList(except: nil, ownPort: 30007).contains("127.0.0.1:30500"), "an excepted port in the range stays reachable")
    }

    @Test func limitsAreJudgedFromSamples() {
        var limits = ServiceLimits()
        limits.cpuPercent = 50
        limits.cpuWindowSeconds = 10
        var w = LimitWatch(limits: limits)
        let idle = ResourceUsage(residentMB: 40, cpuSeconds: 1, openFiles: 25, tasks: 7)
        #expect(w.check(idle, at: 0, dataBytes: 0) == nil)
        // Busy 40% of a core: under the limit, whatever the sampling jitter.
        for t in 1...30 { #expect(w.check(ResourceUsage(residentMB: 40, cpuSeconds: 1 + 0.4 * Double(t) + 0.001, openFiles: 25, tasks: 7), at: Double(t) + 0.003, dataBytes: nil) == nil) }
        // Then a full core: caught once a window of it has passed.
        var caught: LimitBreach?
        for t in 31...60 where caught == nil {
            caught = w.check(ResourceUsage(residentMB: 40, cpuSeconds: 13 + Double(t - 30), openFiles: 25, tasks: 7), at: Double(t) + 0.002, dataBytes: nil)
            if caught != nil { #expect(t >= 32 && t <= 34, "caught at \(t)") }
        }
        #expect(caught?.text.contains("CPU limit exceeded") == true)
        #expect(caught?.limit == .cpu)
        var m = LimitWatch(limits: ServiceLimits())
        #expect(m.check(ResourceUsage(residentMB: 257, cpuSeconds: 0, openFiles: 1, tasks: 1), at: 0, dataBytes: nil)?.text.contains("memory") == true)
        #expect(m.check(ResourceUsage(residentMB: 1, cpuSeconds: 0, openFiles: 256, tasks: 1), at: 0, dataBytes: nil)?.text.contains("open files") == true)
        #expect(m.check(ResourceUsage(residentMB: 1, cpuSeconds: 0, openFiles: 1, tasks: 65), at: 0, dataBytes: nil)?.text.contains("process") == true)
        let data = m.check(ResourceUsage(residentMB: 1, cpuSeconds: 0, openFiles: 1, tasks: 1), at: 0, dataBytes: 513 << 20)
        #expect(data?.text.contains("data size") == true)
        #expect(data?.limit == .dataSize)
        #expect(ResourceUsage.sample(getpid())?.tasks ?? 0 >= 1, "this process's own use can be read")
    }
}
