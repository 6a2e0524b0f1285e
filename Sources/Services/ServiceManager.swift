import Core
import Crypto
import Foundation
import Store

/// Everything that can be done to services, for the API and the CLI: create from files, update (a new version),
/// rollback, start, stop, archive, delete.
public final class ServiceManager: Sendable {
    public let store: ServiceStore
    public let files: ServiceFiles
    /// Where services run: the local Deno supervisor unless another backend is given.
    public let supervisor: any ServiceBackend
    /// How every run of generated code starts, deployed or tested.
    public let sandbox: Sandbox
    /// Where services answer publicly (nil in tools that run no server).
    public let urls: ServiceURLs?
    /// Whether generated services can reach the internet from here, checked at start-up.
    public let outbound = OutboundCheck()
    let logger: Logger

    /// What went wrong, in the services' own terms; the API layer maps each kind to its answer.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public enum Kind: Sendable, Equatable {
            /// No such service, version or endpoint.
            case notFound
            /// The request itself is malformed (a bad slug, missing or invalid files).
            case invalid
            /// It clashes with the service's state (the slug is taken, the service is archived).
            case conflict
            /// Well-formed, but refused: input its schema rejects, a host the egress policy forbids.
            case rejected
            /// The service is not running.
            case notRunning
            /// The service failed to answer.
            case serviceFailed
        }

        public let kind: Kind
        /// A stable, machine-readable name of the failure (`not_found`, `invalid_slug`…).
        public let code: String
        public let description: String

        public init(_ kind: Kind, code: String, description: String) {
            self.kind = kind
            self.code = code
            self.description = description
        }

        /// Whether the same call may succeed later without any change (the service starts, or recovers).
        public var isTransient: Bool { kind == .notRunning || kind == .serviceFailed }

        /// The replica that ran the service does not answer; its lease lapses to another replica shortly.
        public static func moving(_ slug: String) -> Failure {
            Failure(.notRunning, code: "service_moving",
                    description: "Service '\(slug)' is moving between replicas (the one that ran it does not answer). Retry shortly.")
        }

        /// The service exists but does not run: its record says why. `name` is how the caller named it (slug or id).
        public static func notRunning(_ s: ServiceRecord, named name: String) -> Failure {
            Failure(.notRunning, code: "service_not_running",
                    description: "Service '\(name)' is \(s.status)\(s.reason.map { ": \($0)" } ?? ""). Start it with POST /api/v1/services/\(name)/start.")
        }

        /// The service keeps its data on `node`'s disk, and that replica does not answer: it waits for it.
        public static func pinned(_ slug: String, node: String) -> Failure {
            Failure(.notRunning, code: "service_pinned",
                    description: "Service '\(slug)' keeps its data on replica \(node), which does not answer: it runs again when that replica is back (or, if it is gone for good, POST /api/v1/services/\(slug)/move starts it elsewhere without that data). Give every replica one shared --services-root to let such services move.")
        }
    }

    public init(db: Database, files: ServiceFiles, sandbox: Sandbox, config: SupervisorConfig, logger: Logger,
                secret: @escaping @Sendable (String) -> String?, backend: (any ServiceBackend)? = nil) {
        store = ServiceStore(db: db)
        self.files = files
        self.sandbox = sandbox
        self.urls = config.urls
        self.logger = logger
        supervisor = backend ?? Supervisor(store: store, files: files, sandbox: sandbox, config: config, logger: logger, secret: secret)
        // The proxy answers for stopped and unknown slugs from memory: the backend's view follows the service rows.
        do { try supervisor.live.follow(store) } catch {
            logger.warn("services.mirror_failed", ["error": "\(error)"])
        }
    }

    /// Which replica runs each service, when replicas share the store (nil alone).
    public var placements: PlacementStore? { files.shared }

    func require(_ slugOrID: String) throws -> ServiceRecord {
        guard let s = try store.find(slugOrID) else {
            throw Failure(.notFound, code: "not_found", description: "No service '\(slugOrID)'. List them with GET /api/v1/services.")
        }
        return s
    }

    /// Creates a service from its files (`main.ts` and `service.json` at least) and starts it unless told not to.
    @discardableResult
    public func create(slug: String, files newFiles: [String: [UInt8]], start: Bool = true, source: VersionSource = .upload) async throws -> ServiceRecord {
        guard Slug.isValid(slug) else {
            throw Failure(.invalid, code: "invalid_slug", description: "'\(slug)' is not a slug: 1–48 of a-z, 0-9 and '-', not starting or ending with '-'.")
        }
        guard try store.find(slug) == nil else {
            throw Failure(.conflict, code: "exists", description: "A service '\(slug)' exists already. Update it with PATCH, or choose another slug.")
        }
        let manifest = try await validate(newFiles)
        let now = Clock.iso8601Now()
        do {
            try files.write(slug, newFiles)
        } catch let e as ServiceFiles.Invalid {
            throw Failure(.invalid, code: "invalid_files", description: e.description)
        }
        // Stopped until `start` places it: on a shared store another replica would otherwise take it as an orphan first.
        let record = ServiceRecord(id: UUID().uuidString.lowercased(), slug: slug, title: manifest.title.isEmpty ? slug : manifest.title,
                                   description: manifest.description, kind: manifest.kind, status: .stopped, desired: .stopped,
                                   workflow: manifest.workflow, secrets: manifest.secrets, hosts: manifest.hosts, currentVersion: 1,
                                   runningVersion: nil, port: nil, pid: nil, reason: nil, token: SecureRandom.hex(24), created: now, updated: now)
        try store.insert(record)
        try files.snapshot(slug, id: record.id, version: 1)
        try store.apply(manifest, to: record.id, version: 1, source: source)
        logger.info("service.created", ["service": slug, "kind": manifest.kind])
        if start { await supervisor.start(record.id) }
        return try require(record.id)
    }

    /// Reads a directory's files and creates a service from them.
    public func create(slug: String, directory: String, start: Bool = true) async throws -> ServiceRecord {
        let found: [String: [UInt8]]
        do { found = try files.collect(directory) } catch let e as ServiceFiles.Invalid {
            throw Failure(.invalid, code: "invalid_files", description: e.description)
        }
        return try await create(slug: slug, files: found, start: start)
    }

    /// New files make a new version; a service meant to run is redeployed with it.
    public func update(_ slugOrID: String, files newFiles: [String: [UInt8]], source: VersionSource = .upload) async throws -> ServiceRecord {
        let s = try require(slugOrID)
        let manifest = try await validate(newFiles)
        do { try files.write(s.slug, newFiles) } catch let e as ServiceFiles.Invalid {
            throw Failure(.invalid, code: "invalid_files", description: e.description)
        }
        let version = (try store.versions(s.id).max() ?? 0) + 1
        try files.snapshot(s.slug, id: s.id, version: version)
        try store.apply(manifest, to: s.id, version: version, source: source)
        if s.desired == .running { await supervisor.start(s.id) }
        return try require(s.id)
    }

    public func rollback(_ slugOrID: String, to version: Int) async throws -> ServiceRecord {
        let s = try require(slugOrID)
        guard try store.versions(s.id).contains(version) else {
            throw Failure(.notFound, code: "no_such_version", description: "Service '\(s.slug)' has no version \(version). Versions: \(try store.versions(s.id)).")
        }
        let old = try files.files(of: s.slug, id: s.id, version: version)
        try files.write(s.slug, old)
        try store.apply(try await validate(old), to: s.id, version: version)
        logger.info("service.rollback", ["service": s.slug, "version": "\(version)"])
        if s.desired == .running || s.status == .running { await supervisor.start(s.id) }
        return try require(s.id)
    }

    public func start(_ slugOrID: String) async throws -> ServiceRecord {
        let s = try require(slugOrID)
        guard s.status != .archived else {
            throw Failure(.conflict, code: "archived", description: "Service '\(s.slug)' is archived. Restore it by updating its files, or create a new one.")
        }
        await supervisor.start(s.id)
        return try require(s.id)
    }

    /// Starts a pinned service on another replica when the one holding its `data/` is gone (its lease ran out): the
    /// administrator's decision, since that data stays behind.
    public func move(_ slugOrID: String) async throws -> ServiceRecord {
        let s = try require(slugOrID)
        guard let placements else {
            throw Failure(.conflict, code: "not_placed", description: "Services move between replicas only when replicas share a PostgreSQL store (--database).")
        }
        guard try placements.unpin(s.id) else {
            throw Failure(.conflict, code: "not_stranded",
                          description: "Service '\(s.slug)' is not waiting for a replica that is gone: its replica still renews its lease. Stop and start it to restart it there.")
        }
        logger.warn("service.moved_without_data", ["service": s.slug])
        await supervisor.start(s.id)
        return try require(s.id)
    }

    public func stop(_ slugOrID: String) async throws -> ServiceRecord {
        let s = try require(slugOrID)
        await supervisor.stop(s.id)
        return try require(s.id)
    }

    public func archive(_ slugOrID: String) async throws -> ServiceRecord {
        let s = try require(slugOrID)
        await supervisor.stop(s.id)
        try store.update(s.id, [.status(.archived)])
        return try require(s.id)
    }

    public func delete(_ slugOrID: String) async throws {
        let s = try require(slugOrID)
        await supervisor.stop(s.id)
        try store.delete(s.id)
        files.remove(s.slug)
        logger.info("service.deleted", ["service": s.slug])
    }

    /// Every secret name that is set or needed, with the slugs of the services that need it.
    public func secretNeeds(set: Set<String>) throws -> [(name: String, set: Bool, services: [String])] {
        let all = try store.all()
        return set.union(all.flatMap(\.secrets)).sorted().map { name in
            (name, set.contains(name), all.filter { $0.secrets.contains(name) }.map(\.slug))
        }
    }

    /// A secret was set: services that waited for it start.
    public func secretChanged(_ name: String) async {
        let needing: [ServiceRecord]
        do { needing = try store.needing(name) } catch {
            logger.error("secret.restart_failed", ["secret": name, "error": "\(error)"])
            return
        }
        for s in needing where s.desired == .running && s.status != .running && s.status != .archived {
            await supervisor.start(s.id)
        }
    }

    public func logs(_ slugOrID: String) async throws -> ServiceLogs {
        let s = try require(slugOrID)
        return await supervisor.logs(for: s.slug)
    }

    /// The files make a service, and the hosts it declares are ones generated code may be given (checked again at
    /// every start: a name may resolve elsewhere later).
    private func validate(_ files: [String: [UInt8]]) async throws -> Manifest {
        guard files["main.ts"] != nil else {
            throw Failure(.invalid, code: "missing_file", description: "A service needs main.ts: a Deno HTTP server listening on Deno.env.get(\"PORT\").")
        }
        guard let manifest = files["service.json"] else {
            throw Failure(.invalid, code: "missing_file", description: "A service needs service.json: its kind, title, endpoints and secrets.")
        }
        let parsed: Manifest
        do { parsed = try Manifest.parse(manifest) } catch let e as Manifest.Invalid {
            throw Failure(.invalid, code: "invalid_manifest", description: e.description)
        }
        do { _ = try await sandbox.checkEgress(parsed.hosts) } catch {
            throw Failure(.rejected, code: "forbidden_host", description: error.description)
        }
        return parsed
    }
}
