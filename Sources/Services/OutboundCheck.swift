import CNetShim
import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether this machine reaches the internet, checked once at start-up, so the agents can tell the user before they
/// build a service that calls an outside API (and not learn it from a failed test run).
public final class OutboundCheck: Sendable {
    public enum Reach: Sendable, Equatable {
        case unknown
        case available
        case unavailable(String)
    }

    private let state = Locked(Reach.unknown)

    public init() {}

    public var reach: Reach { state.withLock { $0 } }

    /// Resolves a public name and opens a TCP connection to it (off the cooperative pool, within a few seconds).
    public func run(host: String = "example.com", port: Int = 443, timeout: Double = 4) async {
        let result = await Blocking.run(timeout: timeout) { () -> Reach in
            guard let address = EgressPolicy.systemResolve(host)?.first(where: \.isV4) else {
                return .unavailable("\(host) does not resolve")
            }
            let fd = op_connect_tcp(address.description, Int32(port), Int32(timeout * 1000))
            guard fd >= 0 else { return .unavailable("cannot connect to \(host):\(port) (\(String(cString: strerror(-fd))))") }
            close(fd)
            return .available
        } ?? .unavailable("no answer from \(host):\(port) within \(Int(timeout)) s")
        state.withLock { $0 = result }
    }

    /// The line the agents' prompts carry.
    public var sentence: String {
        switch reach {
        case .unknown:
            return "Outbound network: not checked yet; if a test run cannot reach an outside host, say so to the user."
        case .available:
            return "Outbound network: this machine reaches the internet (checked at start-up)."
        case .unavailable(let why):
            return "Outbound network: this machine cannot reach the internet (checked at start-up: \(why)). A service that calls an outside host will fail here: tell the user before building one, and test it only with its own endpoints."
        }
    }
}
