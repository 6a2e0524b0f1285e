import CNetShim
import Core
import Foundation
import Store
#if canImport(Glibc)
import Glibc
#endif

public struct SupervisorConfig: Sendable {
    public var logsRoot: String
    public var portRange: ClosedRange<Int> = Sandbox.servicePorts
    /// How trigger services reach the platform (`http://127.0.0.1:<port>`), set once the server listens.
    public var platformURL: String = ""
    /// Where each service answers publicly: its `OPENPIECES_PUBLIC_URL`.
    public var urls: ServiceURLs?
    public var readyTimeout: Double = 10
    public var healthInterval: Double = 5
    /// How often each service's resource use is sampled against its limits.
    public var limitInterval: Double = 1
    public var healthFailuresBeforeRestart = 3
    public var maxFailedStarts = 5
    public var stopGrace: Double = 3
    /// Set when replicas share the store: which services run here is decided by placement leases.
    public var placement: PlacementConfig?
    /// Where each running child's pid is kept on this machine (`<id>` files). With replicas sharing the store the
    /// rows' pids are whoever runs the service now: a replica killed with SIGKILL finds its orphans here instead.
    public var pidsRoot: String?
    /// Live events of replicas sharing the store: this supervisor's log lines go to the others' followers.
    public var events: StoreEvents?

    public init(logsRoot: String) {
        self.logsRoot = logsRoot
    }
}

/// Runs services as sandboxed Deno processes: start, readiness, health, restarts with backoff, clean stops.
public actor Supervisor {
    /// A running process. Its port is kept here only: the proxy's (`live`) and the row's follow from it (`setChild`,
    /// `process(of:)`), so the three cannot disagree.
    struct Child {
        var pid: Int32
        let slug: String
        let port: Int
        var startedAt: Date
        var stopping = false
        var ready = false
        var healthFailures = 0
        /// The limit it broke, once the limit watch ended it: it ends `crashed` with this reason, without restarts.
        var breach: LimitBreach?
        var watch: LimitWatch
        var lastDataCheck: Double = 0

        /// Where requests go: once it answered its health check, and not while it is being stopped.
        var answering: Int? { ready && !stopping ? port : nil }
    }

    let store: ServiceStore
    let files: ServiceFiles
    let sandbox: Sandbox
    var config: SupervisorConfig
    let logger: Logger
    let secret: @Sendable (String) -> String?
    public nonisolated let live: LiveServices
    var children: [String: Child] = [:]      // by service id
    private var failedStarts: [String: Int] = [:]
    /// Starts retried at once because the port was taken, in a row; bounded, so a service that binds a taken port
    /// of its own choosing falls back to the counted, backed-off restarts.
    private var portRetries: [String: Int] = [:]
    private nonisolated let logBook = Locked<[String: ServiceLogs]>([:])
    private nonisolated let logsRoot: String
    /// Replicas sharing the store: log lines reach followers on every replica.
    nonisolated let events: StoreEvents?
    /// How this replica takes part in placement, when replicas share the store (`SupervisorConfig.placement`).
    nonisolated let placement: PlacementConfig?
    /// `SupervisorConfig.pidsRoot`.
    nonisolated let pidsRoot: String?
    /// The placement rows, when replicas share the store.
    let placements: PlacementStore?
    /// Services a start is under way for here (`launch` awaits): the placement loop leaves them alone.
    var launching: Set<String> = []
    var placementTask: Task<Void, Never>?
    /// Renews this replica's leases on its own schedule: a look that starts several services takes longer than a lease.
    var renewalTask: Task<Void, Never>?
    /// Services a start request is placing (`startPlaced`): the placement loop leaves them alone meanwhile.
    var placing: Set<String> = []
    /// Set when another replica changed a service row: the placement loop looks at once.
    nonisolated let poked = Locked(false)
    /// Resolved node addresses (`--node-address` of the others), looked up off the actor's executor.
    var resolvedAddresses: [String: (ip: String, port: Int, at: Date)] = [:]
    private var healthTask: Task<Void, Never>?
    private var limitTask: Task<Void, Never>?
    var shuttingDown = false
    private var crashHandlers: [@Sendable (String, StopReason) -> Void] = []
    private var deployHandlers: [@Sendable (String, Int) -> Void] = []

    /// Called with (slug, reason) when a service ends up `crashed` (the agents repair it; webhooks tell the user).
    public func onCrashed(_ handler: @escaping @Sendable (String, StopReason) -> Void) { crashHandlers.append(handler) }

    /// Called with (slug, version) when a version runs for the first time (not on restarts of the same version).
    public func onDeployed(_ handler: @escaping @Sendable (String, Int) -> Void) { deployHandlers.append(handler) }

    func markCrashed(_ id: String, slug: String, reason: StopReason) {
        record(id, .status(.crashed), process(of: id), .reason(reason))
        for h in crashHandlers { h(slug, reason) }
    }

    /// Why a service is not running, as last recorded (nil once it runs): from the rows' mirror, without the database.
    public func stopReason(of id: String) -> StopReason? { live.record(id)?.stopReason }

    /// A service's row; a failed read is logged and answers nil, so the caller leaves the service as it is.
    func lookup(_ id: String) -> ServiceRecord? {
        do { return try store.find(id) } catch {
            logger.error("service.read_failed", ["service_id": id, "error": "\(error)"])
            return nil
        }
    }

    /// Records a change of a service's state. A failed write is logged: the row then lags what runs until the next change.
    func record(_ id: String, _ changes: ServiceChange...) {
        do { try store.update(id, changes) } catch {
            logger.error("service.state_write_failed", ["service_id": id, "error": "\(error)"])
        }
    }

    public init(store: ServiceStore, files: ServiceFiles, sandbox: Sandbox, config: SupervisorConfig, logger: Logger,
                secret: @escaping @Sendable (String) -> String?) {
        self.store = store
        self.files = files
        self.sandbox = sandbox
        self.config = config
        self.logger = logger
        self.secret = secret
        placement = config.placement
        logsRoot = config.logsRoot
        events = config.events
        if config.placement != nil, let events = config.events {
            // Every committed write to a service row here wakes the other replicas' placement loops.
            store.onChange { change in events.publish(.services, ["slug": .string(change.record?.slug ?? change.slugBefore ?? "")]) }
        }
        pidsRoot = config.pidsRoot
        live = LiveServices(placed: config.placement != nil)
        placements = config.placement != nil ? PlacementStore(db: store.db) : nil
        config.events?.subscribe(.logs) { [weak self] p in
            // Another replica's service wrote a line: followers here see it too (it is not written to this disk).
            guard let slug = p["slug"]?.string, let line = p["line"]?.string, Slug.isValid(slug) else { return }
            self?.logs(for: slug).receive(line)
        }
    }

    public func setPlatformURL(_ url: String) { config.platformURL = url }

    public func setNodeAddress(_ address: String) {
        if config.placement?.address.isEmpty ?? false { config.placement?.address = address }
    }

    /// This replica's placement settings as they are now (its address is known once the server listens).
    var currentPlacement: PlacementConfig? { config.placement }

    public nonisolated func logs(for slug: String) -> ServiceLogs {
        logBook.withLock { book in
            if let l = book[slug] { return l }
            let l = ServiceLogs(directory: logsRoot, slug: slug, relay: events)
            book[slug] = l
            return l
        }
    }

    public func port(of id: String) -> Int? { children[id]?.answering }

    /// Every change to a child goes through here, so the proxy's port follows the child.
    private func setChild(_ id: String, _ child: Child?) {
        let slug = child?.slug ?? children[id]?.slug
        if let root = pidsRoot, children[id]?.pid != child?.pid { PidFiles.set(root, id, child?.pid) }
        children[id] = child
        if let slug { live.set(slug, port: child?.answering) }
    }

    /// The row's process columns, read off the child: its pid and port, or none once it is gone.
    func process(of id: String) -> ServiceChange {
        let c = children[id]
        return .process(pid: c.map { Int($0.pid) }, port: c?.port)
    }

    // MARK: lifecycle

    /// Kills leftovers of a previous run (recorded pids still running our services) and marks every service as not
    /// running yet. Runs before the server accepts requests, so nobody reads a stale status.
    public nonisolated func prepareForBoot() {
        var services: [ServiceRecord]
        do { services = try store.all() } catch {
            logger.error("service.boot_read_failed", ["error": "\(error)"])
            return
        }
        let all = services  // every row, for the pid files: their services may be held elsewhere by now
        if let placement {
            // Replicas share the rows: only what this node held is this process's to reset (it runs again here).
            let mine: Set<String>
            do { mine = Set(try placements?.renew(placement).map(\.serviceID) ?? []) } catch {
                logger.error("service.boot_read_failed", ["error": "\(error)"])
                return
            }
            services = services.filter { mine.contains($0.id) }
        }
        if let root = pidsRoot {
            for (id, pid) in PidFiles.all(root) {
                if let s = all.first(where: { $0.id == id }), Supervisor.isOurs(pid: pid, directory: files.liveDirectory(s.slug)) {
                    kill(-pid, SIGKILL)
                    kill(pid, SIGKILL)
                    logger.warn("service.orphan_killed", ["service": s.slug, "pid": "\(pid)"])
                }
                PidFiles.set(root, id, nil)
            }
        }
        for s in services {
            if pidsRoot == nil, let pid = s.pid, Supervisor.isOurs(pid: Int32(pid), directory: files.liveDirectory(s.slug)) {
                kill(-Int32(pid), SIGKILL)
                kill(Int32(pid), SIGKILL)
                logger.warn("service.orphan_killed", ["service": s.slug, "pid": "\(pid)"])
            }
            guard s.status != .archived else { continue }
            do { try store.update(s.id, [.down, .status(s.desired == .running ? .deploying : .stopped)]) } catch {
                logger.error("service.state_write_failed", ["service": s.slug, "error": "\(error)"])
            }
        }
    }

    /// Starts every service that was meant to be running, and the health checks.
    public func restore() async {
        let services: [ServiceRecord]
        do { services = try store.all() } catch {
            logger.error("service.restore_failed", ["error": "\(error)"])
            services = []
        }
        if placement != nil {
            // Which services run here is the placement loop's to decide: what this node held, then orphans. Its first
            // look is awaited, so they run before the server's runs and tasks call them.
            if placementTask == nil {
                await reconcile()
                placementTask = Task { [weak self] in await self?.placementLoop() }
            }
        } else {
            for s in services where s.desired == .running && s.status != .archived {
                await start(s.id)
            }
        }
        if healthTask == nil {
            healthTask = Task { [weak self] in await self?.healthLoop() }
            limitTask = Task { [weak self] in await self?.limitLoop() }
        }
    }

    /// Starts (or restarts) a service: here, or (replicas sharing the store) on the replica that holds it, waiting
    /// for that replica's start to end. Missing secrets keep it stopped, with the names in `reason`.
    public func start(_ id: String) async {
        guard placement != nil else { return await launch(id) }
        await startPlaced(id)
    }

    /// Starts (or restarts) the service in a process here. `ifWanted`: the placement loop's start, made only while the
    /// service is meant to run (its look may have been overtaken by a stop) and no other start of it is under way.
    /// (A restart after an early exit runs while the start that saw the exit waits for how it ends: that one does
    /// not wait.)
    func launch(_ id: String, ifWanted: Bool = false) async {
        if ifWanted, launching.contains(id) { return }
        guard !shuttingDown, var s = lookup(id) else { return }
        if ifWanted, s.desired != .running || s.status == .archived { return }
        launching.insert(id)
        defer { launching.remove(id) }
        if children[id] != nil { await stopChild(id) }
        record(id, .desired(.running))
        let missing = s.secrets.filter { (secret($0) ?? "").isEmpty }
        if !missing.isEmpty {
            record(id, .status(.stopped), .reason(.missingSecrets(missing)))
            releasePlacement(id)  // another replica may start it once the secrets are set
            return
        }
        let taken = Set(children.values.map(\.port))
        guard let port = Probe.freePort(in: config.portRange, avoiding: taken) else {
            record(id, .status(.crashed), .reason(.noFreePort(config.portRange)))
            return
        }
        record(id, .status(.deploying), .reason(nil))
        s = lookup(id) ?? s
        if placements != nil {
            // Replicas share the store: this node may never have seen this version's files.
            let files = self.files, slug = s.slug, version = s.currentVersion
            let failure: String? = await Blocking.run(.long) {
                do { try files.materialize(slug, id: id, version: version); return nil } catch { return "\(error)" }
            }
            if let failure {
                record(id, .status(.crashed), .reason(.launchFailed("cannot write version \(version)'s files here: \(failure)")))
                return
            }
        }
        var job = Sandbox.Job(directory: files.liveDirectory(s.slug), port: port, hosts: s.hosts)
        for name in s.secrets { job.environment[name] = secret(name) ?? "" }
        if let urls = config.urls { job.environment[ServiceContract.publicURL] = String(urls.url(s.slug).dropLast()) }
        if s.kind == "trigger", let url = URL(string: config.platformURL), let callback = url.port {
            job.environment[ServiceContract.notifyURL] = "\(config.platformURL)/internal/services/\(s.slug)/events"
            job.environment[ServiceContract.serviceToken] = s.token
            job.callbackPort = callback
        }
        let launch: Sandbox.Launch
        do { launch = try await sandbox.prepare(job) } catch {
            record(id, .status(.crashed), .reason(.launchFailed(error.description)))
            return
        }
        var fds: [Int32] = [0, 0]
        guard op_pipe(&fds) == 0 else {
            record(id, .status(.crashed), .reason(.launchFailed("cannot create a pipe: \(String(cString: strerror(errno)))")))
            return
        }
        let pid = await sandbox.spawn(launch, outputFD: fds[1])
        close(fds[1])
        if shuttingDown, pid > 0 {
            // The server began shutting down while this start was under way: no child may outlive it.
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            close(fds[0])
            return
        }
        guard pid > 0 else {
            close(fds[0])
            record(id, .status(.crashed), .reason(.launchFailed("cannot start Deno: \(String(cString: strerror(-pid)))")))
            return
        }
        setChild(id, Child(pid: pid, slug: s.slug, port: port, startedAt: Date(), watch: LimitWatch(limits: sandbox.limits)))
        record(id, process(of: id))
        let log = logs(for: s.slug)
        log.append("\(Supervisor.startLine) \(s.currentVersion) on port \(port) (pid \(pid))", stream: "platform")
        Supervisor.pump(fds[0], into: log)
        Supervisor.watch(pid) { [weak self] status in
            Task { await self?.exited(id, pid: pid, status: status) }
        }
        await waitUntilReady(id, pid: pid, slug: s.slug, version: s.currentVersion)
    }

    private func waitUntilReady(_ id: String, pid: Int32, slug: String, version: Int) async {
        let deadline = Date().addingTimeInterval(config.readyTimeout)
        while Date() < deadline {
            guard let c = children[id], c.pid == pid, !c.stopping else {
                // Exited or stopped meanwhile. An early exit is restarted by `exited`: the start that is waiting here
                // answers with how that ends (running, crashed, stopped), not with the state in between.
                await settle(id, until: deadline)
                return
            }
            let port = c.port
            let status = await Probe.status(port: port, timeout: 0.5)
            if status == 200, var c = children[id], c.pid == pid, !c.stopping {
                c.ready = true
                setChild(id, c)
                portRetries[id] = nil
                let newVersion = lookup(id)?.runningVersion != version
                record(id, .status(.running), .runningVersion(version), .reason(nil))
                if newVersion { for h in deployHandlers { h(slug, version) } }
                logger.info("service.running", ["service": slug, "port": "\(port)", "pid": "\(pid)", "version": "\(version)"])
                return
            }
            try? await Task.sleep(nanoseconds: 15_000_000)
        }
        guard children[id]?.pid == pid else { return }
        let tail = logs(for: slug).tail(8)
        logger.warn("service.not_ready", ["service": slug, "seconds": "\(config.readyTimeout)"])
        await stopChild(id)
        markCrashed(id, slug: slug, reason: .notReady(seconds: Int(config.readyTimeout), lastOutput: tail))
    }

    /// Waits, until the deadline, while the service is between states (a restart after an early exit).
    private func settle(_ id: String, until deadline: Date) async {
        while Date() < deadline, lookup(id)?.status == .deploying {
            try? await Task.sleep(nanoseconds: 15_000_000)
        }
    }

    public func stop(_ id: String) async {
        record(id, .desired(.stopped))
        if placement != nil, children[id] == nil, await stopPlaced(id) { return }
        await stopChild(id)
        record(id, .status(.stopped), process(of: id))
        releasePlacement(id)
    }

    /// SIGTERM to the process group, SIGKILL after the grace period.
    func stopChild(_ id: String) async {
        guard var c = children[id] else { return }
        c.stopping = true
        setChild(id, c)
        let pid = c.pid, grace = config.stopGrace
        await Blocking.run(.long) {  // waits up to the grace period: never on the short lane probes share
            kill(-pid, SIGTERM)
            let deadline = Date().addingTimeInterval(grace)
            while Date() < deadline {
                if kill(pid, 0) != 0 { return }
                usleep(10_000)
            }
            kill(-pid, SIGKILL)
        }
        setChild(id, nil)
    }

    /// Stops every child (the server is shutting down); what should run again is remembered in `desired`.
    public func shutdown() async {
        shuttingDown = true
        healthTask?.cancel()
        limitTask?.cancel()
        placementTask?.cancel()
        renewalTask?.cancel()
        for id in Array(children.keys) {
            await stopChild(id)
            record(id, process(of: id))
        }
        releaseOnShutdown()
    }

    private func exited(_ id: String, pid: Int32, status: Int32) async {
        guard let c = children[id], c.pid == pid else { return }
        setChild(id, nil)
        guard !c.stopping, !shuttingDown, let s = lookup(id) else { return }
        let code = Supervisor.describe(status)
        let log = logs(for: s.slug)
        log.append("exited: \(code)", stream: "platform")
        if let breach = c.breach ?? Supervisor.limitBroken(status: status, output: log.tail(12), limits: sandbox.limits) {
            // A broken limit is not cured by a restart: the service stays down until it is changed or started again.
            log.append("stopped: \(breach.text)", stream: "platform")
            logger.error("service.limit_exceeded", ["service": s.slug, "limit": breach.text])
            failedStarts[id] = 0
            markCrashed(id, slug: s.slug, reason: .limitExceeded(breach))
            return
        }
        // Another program took the port between the probe that found it free and Deno's bind: not the service's
        // failure, so it starts again at once on another port, without counting against it.
        if !c.ready, s.desired == .running, portRetries[id, default: 0] < 3, Supervisor.portTaken(Supervisor.thisRun(log.tail(40))) {
            portRetries[id, default: 0] += 1
            logger.warn("service.port_taken", ["service": s.slug, "port": "\(c.port)"])
            await start(id)
            return
        }
        // A service that ran a while before failing starts counting again.
        let attempts = (Date().timeIntervalSince(c.startedAt) > 30 ? 0 : failedStarts[id, default: 0]) + 1
        failedStarts[id] = attempts
        guard attempts <= config.maxFailedStarts else {
            logger.error("service.crashed", ["service": s.slug, "exit": code])
            markCrashed(id, slug: s.slug, reason: .crashed(times: attempts - 1, exit: code, lastOutput: log.tail(10)))
            failedStarts[id] = 0
            return
        }
        record(id, .status(.deploying), process(of: id), .reason(.restarting(after: code)))
        let delay = min(5.0, 0.2 * pow(2, Double(attempts - 1)))
        logger.warn("service.restarting", ["service": s.slug, "exit": code, "attempt": "\(attempts)", "delay_s": String(format: "%.1f", delay)])
        try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
        guard children[id] == nil, lookup(id)?.desired == .running else { return }
        await start(id)
    }

    /// Deno's report of a listener that could not bind: `AddrInUse: Address already in use (os error 98)`.
    /// How a start's log line begins; `thisRun` finds the run's first line by it.
    static let startLine = "starting version"

    /// The lines since the last start: an earlier run's output must not decide about this one.
    static func thisRun(_ lines: [String]) -> ArraySlice<String> {
        lines.lastIndex { $0.contains(startLine) }.map { lines[($0 + 1)...] } ?? lines[...]
    }

    static func portTaken(_ output: ArraySlice<String>) -> Bool {
        output.contains { $0.contains("AddrInUse") || $0.contains("Address already in use") }
    }

    private func healthLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(config.healthInterval * 1e9))
            for (id, c) in children where c.ready && !c.stopping {
                let port = c.port
                let ok = await Probe.status(port: port, timeout: 2) == 200
                guard var now = children[id], now.pid == c.pid else { continue }
                now.healthFailures = ok ? 0 : now.healthFailures + 1
                setChild(id, now)
                if now.healthFailures >= config.healthFailuresBeforeRestart {
                    logger.warn("service.unhealthy", ["service_id": id, "failures": "\(now.healthFailures)"])
                    kill(-now.pid, SIGKILL)  // the exit watcher restarts it
                }
            }
        }
    }

    /// Samples every running service's resource use against its limits; one that broke a limit is killed, and
    /// `exited` records it as crashed with the limit named.
    private func limitLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(config.limitInterval * 1e9))
            let now = Date().timeIntervalSinceReferenceDate
            for (id, c) in children where !c.stopping && c.breach == nil {
                guard let usage = ResourceUsage.sample(c.pid) else { continue }
                var dataBytes: Int?
                if now - c.lastDataCheck >= 5, let slug = lookup(id)?.slug {
                    let data = (files.liveDirectory(slug) as NSString).appendingPathComponent("data")
                    dataBytes = await Blocking.run { ResourceUsage.directoryBytes(data) }
                }
                guard var child = children[id], child.pid == c.pid else { continue }
                if let dataBytes {
                    child.lastDataCheck = now
                    if dataBytes > 0 { pinIfUnshared(id) }
                }
                if let breach = child.watch.check(usage, at: now, dataBytes: dataBytes) {
                    child.breach = breach
                    kill(-child.pid, SIGKILL)
                }
                setChild(id, child)
            }
        }
    }

    /// A limit the exit itself shows: V8 out of heap, EMFILE, RLIMIT_FSIZE (SIGXFSZ) or RLIMIT_CPU (SIGXCPU).
    static func limitBroken(status: Int32, output: [String], limits: ServiceLimits) -> LimitBreach? {
        let signal = status & 0x7F
        if signal == SIGXFSZ { return LimitBreach(limit: .dataSize, text: "data size limit exceeded: a file outgrew \(limits.dataMB) MB (--service-data)") }
        if signal == SIGXCPU { return LimitBreach(limit: .cpu, text: "CPU limit exceeded: the run used all the CPU time it was given") }
        if output.contains(where: { $0.contains("heap out of memory") || $0.contains("Reached heap limit") || $0.contains("Fatal JavaScript out of memory") }) {
            return LimitBreach(limit: .memory, text: "memory limit exceeded: the JavaScript heap reached \(limits.memoryMB) MB (--service-memory)")
        }
        if output.contains(where: { $0.contains("Too many open files") || $0.contains("os error 24") }) {
            return LimitBreach(limit: .openFiles, text: "open files limit reached: it died holding \(limits.openFiles) open files and sockets, the limit (--service-files)")
        }
        return nil
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
