/// Where services run. The platform talks to services only through this interface: the local backend
/// (`Supervisor`) runs each as a sandboxed Deno process on this machine; a cluster backend (Kubernetes Deployments,
/// Nomad jobs — see deploy/SCALING.md) implements the same calls against its engine.
///
/// Service records, versions, endpoints and secrets stay in the store; a backend owns only the running instances:
/// starting and stopping them, knowing where each answers, their logs, and reporting crashes and deployments.
public protocol ServiceBackend: Actor {
    /// Where each running service answers, read by the reverse proxy on every request (no actor hop).
    nonisolated var live: LiveServices { get }

    /// Before the HTTP server starts: forget instances of a previous process (they are gone).
    nonisolated func prepareForBoot()
    /// Brings back every service that was running.
    func restore() async
    /// Starts (or restarts) a service's current version; it is `running` once it answers `GET /health`.
    func start(_ id: String) async
    func stop(_ id: String) async
    /// Stops every instance, for shutdown.
    func shutdown() async
    /// Why a service is not running, as this backend last decided it (nil while it runs, or before it ever decided).
    func stopReason(of id: String) -> StopReason?
    /// The port (on loopback, for the local backend) of a running service.
    func port(of id: String) -> Int?
    func logs(for slug: String) -> ServiceLogs
    /// How services reach the platform (their notification URL).
    func setPlatformURL(_ url: String)
    /// Where the other replicas reach this one, once it listens (replicas sharing a store relay requests there).
    func setNodeAddress(_ address: String)
    /// (slug, reason) when a service ends up crashed.
    func onCrashed(_ handler: @escaping @Sendable (String, StopReason) -> Void)
    /// (slug, version) when a version runs for the first time.
    func onDeployed(_ handler: @escaping @Sendable (String, Int) -> Void)
}

extension Supervisor: ServiceBackend {}
