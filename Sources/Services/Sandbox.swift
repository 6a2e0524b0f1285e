import CNetShim
import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one run of generated code may use. Every limit ends the service as `crashed`, the limit named in the reason.
public struct ServiceLimits: Sendable, Equatable {
    /// Resident memory, and V8's heap cap.
    public var memoryMB = 256
    /// CPU time as a share of one core, averaged over `cpuWindowSeconds`.
    public var cpuPercent = 90
    public var cpuWindowSeconds = 60.0
    /// Open file descriptors (sockets included); also the process's RLIMIT_NOFILE.
    public var openFiles = 256
    /// Threads and processes of the service (Deno itself uses about 7; each Worker adds some).
    public var processes = 64
    /// The size of the service's `data/` directory; also RLIMIT_FSIZE, so no single file outgrows it.
    public var dataMB = 512

    public init() {}
}

/// Why generated code was not started.
public enum SandboxRefusal: Error, CustomStringConvertible, Equatable {
    case denoMissing
    case egress(EgressRefusal)

    public var description: String {
        switch self {
        case .denoMissing: return "Deno is not installed: run scripts/setup (pip install deno) or set OPENPIECES_DENO."
        case .egress(let e): return e.description
        }
    }
}

/// The one way generated code runs, deployed or in an agent's test run: Deno with permissions scoped to the service
/// (net to its own port and its checked hosts, env to its own variables, read of its directory, write of its
/// `data/`), the platform's addresses denied to Deno itself, a memory cap, setrlimit limits, its own process group,
/// and the parent-death signal (both set by `op_spawn`).
public final class Sandbox: Sendable {
    /// One run to start.
    public struct Job: Sendable {
        public var directory: String
        public var port: Int
        /// Secrets and contract variables; these names and PORT are all it may read from its environment.
        public var environment: [String: String]
        /// The manifest's `hosts`.
        public var hosts: [String]
        /// A trigger's way in: the platform's callback listener on loopback.
        public var callbackPort: Int?
        /// Total CPU seconds (RLIMIT_CPU): for short runs such as tests, where a total is the right measure.
        public var cpuSecondsTotal: Int?

        public init(directory: String, port: Int, environment: [String: String] = [:], hosts: [String] = [],
                    callbackPort: Int? = nil, cpuSecondsTotal: Int? = nil) {
            self.directory = directory
            self.port = port
            self.environment = environment
            self.hosts = hosts
            self.callbackPort = callbackPort
            self.cpuSecondsTotal = cpuSecondsTotal
        }
    }

    /// A checked command line, ready to spawn.
    public struct Launch: Sendable {
        public let path: String
        public let arguments: [String]
        public let environment: [String: String]
        public let directory: String
        let rlimits: [(resource: Int32, value: UInt)]
    }

    struct Settings: Sendable {
        var denoPath: String?
        var denoCache: String
        var limits: ServiceLimits
        var egress = EgressPolicy()
    }

    private let settings: Locked<Settings>
    /// Where deployed services listen, and test runs: each denied to every other run of generated code. Below Linux's
    /// ephemeral range (32768–60999), so no outbound connection's local port can take one between the probe that
    /// finds it free and Deno's bind.
    public static let servicePorts = 30000...30999
    public static let testRunPorts = 31000...31999

    /// `egressExceptions` are `--egress-allow` entries, parsed by `EgressPolicy.exceptions`.
    public init(denoPath: String?, denoCache: String, limits: ServiceLimits = ServiceLimits(), egressExceptions: Set<String> = []) {
        var s = Settings(denoPath: denoPath, denoCache: denoCache, limits: limits)
        s.egress.exceptions = egressExceptions
        settings = Locked(s)
    }

    public var denoPath: String? { settings.withLock { $0.denoPath } }
    public var denoCache: String { settings.withLock { $0.denoCache } }
    public var limits: ServiceLimits { settings.withLock { $0.limits } }
    var egress: EgressPolicy { settings.withLock { $0.egress } }

    /// Where the platform listens (`--host` and its ports): never reachable from generated code.
    public func platformListens(on host: String, ports: [Int]) {
        var policy = egress
        policy.platformListens(on: host, ports: ports)
        settings.withLock { $0.egress = policy }
    }

    /// Checks declared hosts as written and after resolution (at deploy and at every start).
    public func checkEgress(_ hosts: [String]) async throws(EgressRefusal) -> [EgressHost] {
        try await egress.check(hosts)
    }

    /// The checked command line for `job`.
    public func prepare(_ job: Job) async throws(SandboxRefusal) -> Launch {
        let s = settings.withLock { $0 }
        guard let deno = s.denoPath else { throw .denoMissing }
        let hosts: [EgressHost]
        do { hosts = try await s.egress.check(job.hosts) } catch { throw .egress(error) }
        let data = (job.directory as NSString).appendingPathComponent(ServiceContract.dataDirectory)
        var net = ["127.0.0.1:\(job.port)"] + hosts.map(\.denoForm)
        if let callback = job.callbackPort { net.append("127.0.0.1:\(callback)") }
        var env = ["NO_COLOR": "1", "DENO_DIR": s.denoCache, "DENO_NO_UPDATE_CHECK": "1", "PORT": "\(job.port)"]
        env.merge(job.environment) { _, given in given }
        let allowedEnv = ["PORT"] + job.environment.keys.sorted()
        let arguments = ["run", "--no-prompt", "--no-remote", "--no-npm", "--no-lock",
                         "--v8-flags=--max-old-space-size=\(s.limits.memoryMB)",
                         "--allow-net=\(net.joined(separator: ","))",
                         "--deny-net=\(s.egress.denoDenyList(except: job.callbackPort, ownPort: job.port).joined(separator: ","))",
                         "--allow-env=\(allowedEnv.joined(separator: ","))",
                         "--allow-read=\(job.directory)", "--allow-write=\(data)", "main.ts"]
        var rlimits: [(Int32, UInt)] = [
            (Int32(RLIMIT_NOFILE.rawValue), UInt(s.limits.openFiles)),
            (Int32(RLIMIT_FSIZE.rawValue), UInt(s.limits.dataMB) << 20),
            (Int32(RLIMIT_CORE.rawValue), 0),
        ]
        if let cpu = job.cpuSecondsTotal { rlimits.append((Int32(RLIMIT_CPU.rawValue), UInt(cpu))) }
        return Launch(path: deno, arguments: arguments, environment: env, directory: job.directory,
                      rlimits: rlimits.map { (resource: $0.0, value: $0.1) })
    }

    /// Starts a prepared launch with stdout and stderr on `outputFD`. Returns the pid, or a negative errno.
    public func spawn(_ launch: Launch, outputFD: Int32) async -> Int32 {
        try? FileManager.default.createDirectory(atPath: (launch.directory as NSString).appendingPathComponent("data"),
                                                 withIntermediateDirectories: true)
        return await Spawner.shared.spawn(path: launch.path, arguments: launch.arguments, environment: launch.environment,
                                          directory: launch.directory, outputFD: outputFD, rlimits: launch.rlimits)
    }
}
