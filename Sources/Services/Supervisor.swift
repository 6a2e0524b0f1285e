import CNetShim
import Core
import Foundation
import Store
#if canImport(Glibc)
import Glibc
#endif

public struct SupervisorConfig: Sendable {
    public var denoPath: String?
    public var denoCache: String
    public var logsRoot: String
    public var portRange: ClosedRange<Int> = 40000...40999
    /// How trigger services reach the platform (`http://127.0.0.1:<port>`), set once the server listens.
    public var platformURL: String = ""
    /// The platform's own ports on loopback: never granted to a service.
    public var forbiddenLoopbackPorts: Set<Int> = []
    public var readyTimeout: Double = 10
    public var healthInterval: Double = 5
    public var healthFailuresBeforeRestart = 3
    public var maxFailedStarts = 5
    public var stopGrace: Double = 3
    public var memoryLimitMB = 256

    public init(denoPath: String?, denoCache: String, logsRoot: String) {
        self.denoPath = denoPath
        self.denoCache = denoCache
        self.logsRoot = logsRoot
    }
}

/// Runs services as sandboxed Deno processes: start, readiness, health, restarts with backoff, clean stops.
public actor Supervisor {
    struct Child {
        var pid: Int32
        var port: Int
        var startedAt: Date
        var stopping = false
        var ready = false
        var healthFailures = 0
    }

    let store: ServiceStore
    let files: ServiceFiles
    var config: SupervisorConfig
    let logger: Logger
    let secret: @Sendable (String) -> String?
    public nonisolated let live = LiveServices()
    private var children: [String: Child] = [:]      // by service id
    private var failedStarts: [String: Int] = [:]
    private var logs: [String: ServiceLogs] = [:]
    private var healthTask: Task<Void, Never>?
    private var shuttingDown = false
    private var crashHandlers: [@Sendable (String, String) -> Void] = []
    private var deployHandlers: [@Sendable (String, Int) -> Void] = []

    /// Called with (slug, reason) when a service ends up `crashed` (the agents repair it; webhooks tell the user).
    public func onCrashed(_ handler: @escaping @Sendable (String, String) -> Void) { crashHandlers.append(handler) }

    /// Called with (slug, version) when a version runs for the first time (not on restarts of the same version).
    public func onDeployed(_ handler: @escaping @Sendable (String, Int) -> Void) { deployHandlers.append(handler) }

    private func markCrashed(_ id: String, slug: String, reason: String) {
        try? store.update(id, ["status": "crashed", "pid": SQLValue.null, "port": SQLValue.null, "reason": reason])
        for h in crashHandlers { h(slug, reason) }
    }

    public init(store: ServiceStore, files: ServiceFiles, config: SupervisorConfig, logger: Logger, secret: @escaping @Sendable (String) -> String?) {
        self.store = store
        self.files = files
        self.config = config
        self.logger = logger
        self.secret = secret
    }

    public func setPlatformURL(_ url: String) { config.platformURL = url }

    /// Ports on loopback that services may never reach (the platform's own API), whatever their manifest declares.
    public func forbidLoopbackPorts(_ ports: [Int]) { config.forbiddenLoopbackPorts = Set(ports) }

    /// A declared host a service may not be given: the platform itself, or the cloud metadata address.
    nonisolated static func forbidden(_ host: String, ports: Set<Int>) -> String? {
        let parts = host.split(separator: ":", maxSplits: 1)
        let name = parts.first.map { String($0).lowercased() } ?? ""
        let port = parts.count == 2 ? Int(parts[1]) : nil
        if name == "169.254.169.254" || name == "metadata.google.internal" { return "the cloud metadata address" }
        let loopback = name == "localhost" || name.hasSuffix(".localhost") || name.hasPrefix("127.") || name == "0.0.0.0"
        if loopback, port.map(ports.contains) ?? true, !ports.isEmpty { return "the platform's own API" }
        return nil
    }

    public func logs(for slug: String) -> ServiceLogs {
        if let l = logs[slug] { return l }
        let l = ServiceLogs(directory: config.logsRoot, slug: slug)
        logs[slug] = l
        return l
    }

    public func port(of id: String) -> Int? {
        guard let c = children[id], c.ready, !c.stopping else { return nil }
        return c.port
    }

    // MARK: lifecycle

    /// Kills leftovers of a previous run (recorded pids still running our services) and marks every service as not
    /// running yet. Runs before the server accepts requests, so nobody reads a stale status.
    public nonisolated func prepareForBoot() {
        for s in (try? store.all()) ?? [] {
            if let pid = s.pid, Supervisor.isOurs(pid: Int32(pid), directory: files.liveDirectory(s.slug)) {
                kill(-Int32(pid), SIGKILL)
                kill(Int32(pid), SIGKILL)
                logger.warn("service.orphan_killed", ["service": s.slug, "pid": "\(pid)"])
            }
            if s.status != "archived" {
                try? store.update(s.id, ["pid": SQLValue.null, "port": SQLValue.null, "status": s.desired == "running" ? "deploying" : "stopped"])
            }
        }
    }

    /// Starts every service that was meant to be running, and the health checks.
    public func restore() async {
        for s in (try? store.all()) ?? [] where s.desired == "running" && s.status != "archived" {
            await start(s.id)
        }
        if healthTask == nil {
            healthTask = Task { [weak self] in await self?.healthLoop() }
        }
    }

    /// Starts (or restarts) a service. Missing secrets keep it stopped, with the names in `reason`.
    public func start(_ id: String) async {
        guard !shuttingDown, var s = try? store.find(id) else { return }
        if children[id] != nil { await stopChild(id) }
        try? store.update(id, ["desired": "running"])
        let missing = s.secrets.filter { (secret($0) ?? "").isEmpty }
        if !missing.isEmpty {
            try? store.update(id, ["status": "stopped", "reason": "missing secrets: \(missing.joined(separator: ", ")). Set them with `openpieces secrets set NAME`."])
            return
        }
        guard let deno = config.denoPath else {
            try? store.update(id, ["status": "crashed", "reason": "Deno is not installed: run scripts/setup (pip install deno) or set OPENPIECES_DENO."])
            return
        }
        let taken = Set(children.values.map(\.port))
        guard let port = Probe.freePort(in: config.portRange, avoiding: taken) else {
            try? store.update(id, ["status": "crashed", "reason": "no free port in \(config.portRange)"])
            return
        }
        try? store.update(id, ["status": "deploying", "reason": SQLValue.null])
        s = (try? store.find(id)) ?? s
        let dir = files.liveDirectory(s.slug)
        try? FileManager.default.createDirectory(atPath: (dir as NSString).appendingPathComponent("data"), withIntermediateDirectories: true)
        var env: [String: String] = ["PORT": "\(port)", "NO_COLOR": "1", "DENO_DIR": config.denoCache, "DENO_NO_UPDATE_CHECK": "1"]
        var allowedEnv = ["PORT"]
        for name in s.secrets {
            env[name] = secret(name) ?? ""
            allowedEnv.append(name)
        }
        for h in s.hosts {
            if let what = Supervisor.forbidden(h, ports: config.forbiddenLoopbackPorts) {
                try? store.update(id, ["status": "crashed", "reason": "service.json's hosts include \(h), \(what): services may not call it. Remove it from hosts."])
                return
            }
        }
        var net = ["127.0.0.1:\(port)"] + s.hosts
        if s.kind == "trigger", let url = URL(string: config.platformURL), let host = url.host {
            env["OPENPIECES_NOTIFY_URL"] = "\(config.platformURL)/internal/services/\(s.slug)/events"
            env["OPENPIECES_SERVICE_TOKEN"] = s.token
            allowedEnv += ["OPENPIECES_NOTIFY_URL", "OPENPIECES_SERVICE_TOKEN"]
            net.append("\(host):\(url.port ?? 80)")
        }
        let args = ["run", "--no-prompt", "--no-remote", "--no-npm", "--no-lock",
                    "--v8-flags=--max-old-space-size=\(config.memoryLimitMB)",
                    "--allow-net=\(net.joined(separator: ","))", "--allow-env=\(allowedEnv.joined(separator: ","))",
                    "--allow-read=\(dir)", "--allow-write=\((dir as NSString).appendingPathComponent("data"))",
                    "main.ts"]
        var fds: [Int32] = [0, 0]
        guard op_pipe(&fds) == 0 else {
            try? store.update(id, ["status": "crashed", "reason": "cannot create a pipe: \(String(cString: strerror(errno)))"])
            return
        }
        let pid = await Spawner.shared.spawn(path: deno, arguments: args, environment: env, directory: dir, outputFD: fds[1])
        close(fds[1])
        guard pid > 0 else {
            close(fds[0])
            try? store.update(id, ["status": "crashed", "reason": "cannot start Deno: \(String(cString: strerror(-pid)))"])
            return
        }
        children[id] = Child(pid: pid, port: port, startedAt: Date())
        try? store.update(id, ["pid": Int(pid), "port": port])
        let log = logs(for: s.slug)
        log.append("starting version \(s.currentVersion) on port \(port) (pid \(pid))", stream: "platform")
        Supervisor.pump(fds[0], into: log)
        Supervisor.watch(pid) { [weak self] status in
            Task { await self?.exited(id, pid: pid, status: status) }
        }
        await waitUntilReady(id, pid: pid, port: port, slug: s.slug, version: s.currentVersion)
    }

    private func waitUntilReady(_ id: String, pid: Int32, port: Int, slug: String, version: Int) async {
        let deadline = Date().addingTimeInterval(config.readyTimeout)
        while Date() < deadline {
            guard let c = children[id], c.pid == pid, !c.stopping else { return }  // exited or stopped meanwhile
            let status = await Blocking.run { Probe.status(port: port, timeoutMs: 500) }
            if status == 200 {
                children[id]?.ready = true
                live.set(slug, port: port)
                let newVersion = (try? store.find(id))?.runningVersion != version
                try? store.update(id, ["status": "running", "running_version": version, "reason": SQLValue.null])
                if newVersion { for h in deployHandlers { h(slug, version) } }
                logger.info("service.running", ["service": slug, "port": "\(port)", "pid": "\(pid)", "version": "\(version)"])
                return
            }
            try? await Task.sleep(nanoseconds: 15_000_000)
        }
        guard children[id]?.pid == pid else { return }
        let tail = logs(for: slug).tail(8).joined(separator: "\n")
        logger.warn("service.not_ready", ["service": slug, "seconds": "\(config.readyTimeout)"])
        await stopChild(id)
        markCrashed(id, slug: slug, reason: "GET /health did not answer 200 within \(Int(config.readyTimeout)) s. Last output:\n\(tail)")
    }

    public func stop(_ id: String) async {
        try? store.update(id, ["desired": "stopped"])
        await stopChild(id)
        try? store.update(id, ["status": "stopped", "pid": SQLValue.null, "port": SQLValue.null])
    }

    /// SIGTERM to the process group, SIGKILL after the grace period.
    private func stopChild(_ id: String) async {
        guard var c = children[id] else { return }
        c.stopping = true
        children[id] = c
        if let slug = (try? store.find(id))?.slug { live.set(slug, port: nil) }
        let pid = c.pid, grace = config.stopGrace
        await Blocking.run {
            kill(-pid, SIGTERM)
            let deadline = Date().addingTimeInterval(grace)
            while Date() < deadline {
                if kill(pid, 0) != 0 { return }
                usleep(10_000)
            }
            kill(-pid, SIGKILL)
        }
        children[id] = nil
    }

    /// Stops every child (the server is shutting down); what should run again is remembered in `desired`.
    public func shutdown() async {
        shuttingDown = true
        healthTask?.cancel()
        for id in Array(children.keys) {
            await stopChild(id)
            try? store.update(id, ["pid": SQLValue.null, "port": SQLValue.null])
        }
    }

    private func exited(_ id: String, pid: Int32, status: Int32) async {
        guard let c = children[id], c.pid == pid else { return }
        children[id] = nil
        if let slug = (try? store.find(id))?.slug { live.set(slug, port: nil) }
        guard !c.stopping, !shuttingDown, let s = try? store.find(id) else { return }
        let code = Supervisor.describe(status)
        let log = logs(for: s.slug)
        log.append("exited: \(code)", stream: "platform")
        // A service that ran a while before failing starts counting again.
        let attempts = (Date().timeIntervalSince(c.startedAt) > 30 ? 0 : failedStarts[id, default: 0]) + 1
        failedStarts[id] = attempts
        guard attempts <= config.maxFailedStarts else {
            let tail = log.tail(10).joined(separator: "\n")
            logger.error("service.crashed", ["service": s.slug, "exit": code])
            markCrashed(id, slug: s.slug, reason: "crashed \(attempts - 1) times in a row (\(code)). Last output:\n\(tail)")
            failedStarts[id] = 0
            return
        }
        try? store.update(id, ["status": "deploying", "pid": SQLValue.null, "port": SQLValue.null, "reason": "restarting after \(code)"])
        let delay = min(5.0, 0.2 * pow(2, Double(attempts - 1)))
        logger.warn("service.restarting", ["service": s.slug, "exit": code, "attempt": "\(attempts)", "delay_s": String(format: "%.1f", delay)])
        try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
        guard children[id] == nil, (try? store.find(id))?.desired == "running" else { return }
        await start(id)
    }

    private func healthLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(config.healthInterval * 1e9))
            for (id, c) in children where c.ready && !c.stopping {
                let port = c.port
                let ok = await Blocking.run { Probe.status(port: port, timeoutMs: 2000) } == 200
                guard var now = children[id], now.pid == c.pid else { continue }
                now.healthFailures = ok ? 0 : now.healthFailures + 1
                children[id] = now
                if now.healthFailures >= config.healthFailuresBeforeRestart {
                    logger.warn("service.unhealthy", ["service_id": id, "failures": "\(now.healthFailures)"])
                    kill(-now.pid, SIGKILL)  // the exit watcher restarts it
                }
            }
        }
    }

    // MARK: process plumbing

    /// Reads the child's output line by line into its log, on a thread of its own until EOF.
    static func pump(_ fd: Int32, into log: ServiceLogs) {
        let t = Thread {
            var pending: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16384) }
                if n <= 0 { if n < 0 && errno == EINTR { continue }; break }
                pending += buf[0..<n]
                while let nl = pending.firstIndex(of: 0x0A) {
                    log.append(String(decoding: pending[..<nl].prefix(8192), as: UTF8.self))
                    pending.removeFirst(nl + 1)
                }
                if pending.count > 8192 {
                    log.append(String(decoding: pending.prefix(8192), as: UTF8.self))
                    pending.removeAll()
                }
            }
            if !pending.isEmpty { log.append(String(decoding: pending, as: UTF8.self)) }
            close(fd)
        }
        t.name = "op-service-log"
        t.start()
    }

    static func watch(_ pid: Int32, _ done: @escaping @Sendable (Int32) -> Void) {
        let t = Thread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            done(status)
        }
        t.name = "op-service-wait"
        t.start()
    }

    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7F
        return signal == 0 ? "exit code \((status >> 8) & 0xFF)" : "signal \(signal)"
    }

    /// True when `pid` runs Deno in `directory` (so a recorded pid reused by another program is left alone).
    static func isOurs(pid: Int32, directory: String) -> Bool {
        guard pid > 1, let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
              let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") else { return false }
        return String(decoding: cmdline, as: UTF8.self).contains("deno") && cwd == directory
    }
}
