import Core
import Foundation
import Store

/// How this replica takes part in running services when several replicas share one store. Nil on a store of its
/// own (SQLite): every service runs here, as it always did.
public struct PlacementConfig: Sendable {
    /// This replica's name among the others (`<home>/node-id`).
    public var node: String
    /// Where the other replicas reach this one's HTTP server (`--node-address`): their proxies relay here.
    public var address: String
    /// How many services this replica runs at most (`--max-services`).
    public var maxServices: Int
    /// The services root is storage every replica mounts (`--services-root` given): a service's `data/` moves with
    /// it, so no service is pinned to a node.
    public var sharedRoot: Bool
    /// How long a placement stays this replica's without renewal: after its owner dies, another replica takes the
    /// service once this has passed.
    public var lease: Double = 10
    /// How often placements are renewed, orphans claimed and the other replicas' services looked up.
    public var interval: Double = 1

    public init(node: String, address: String, maxServices: Int, sharedRoot: Bool) {
        self.node = node
        self.address = address
        self.maxServices = maxServices
        self.sharedRoot = sharedRoot
    }
}

/// Which replica runs a service: one row per placed service, held under a lease its owner renews.
public struct Placement: Sendable, Equatable {
    public let serviceID: String
    public let slug: String
    public let node: String
    /// The owner's `--node-address`.
    public let address: String
    /// ISO-8601: the lease runs out then unless renewed.
    public let expires: String
    /// Bumped by a replica that wants the service (re)started: a new version, a rollback, a start request.
    public let generation: Int
    /// The generation the owner last acted on.
    public let acted: Int
    /// Its `data/` holds state on the owner's disk, which is not shared: it does not move to another replica.
    public let pinned: Bool

    public func isLive(at now: String = Clock.iso8601Now()) -> Bool { expires >= now }
}

/// The placement rows (migration 31), and each service version's files in the store (migration 32) so any replica
/// can start any version.
public final class PlacementStore: Sendable {
    public static let migrations: [Migration] = [
        Migration(31, "service_placements", """
            CREATE TABLE service_placements (
                service_id TEXT PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
                node TEXT NOT NULL,
                address TEXT NOT NULL,
                expires TEXT NOT NULL,
                generation INTEGER NOT NULL DEFAULT 0,
                acted INTEGER NOT NULL DEFAULT 0,
                pinned INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX service_placements_node ON service_placements(node);
            """),
        Migration(32, "service_version_files") { d in """
            CREATE TABLE service_version_files (
                service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
                version INTEGER NOT NULL,
                path TEXT NOT NULL,
                content \(d.bytes) NOT NULL,
                PRIMARY KEY (service_id, version, path)
            );
            """ },
    ]

    let db: Database

    public init(db: Database) { self.db = db }

    static let columns = "p.service_id, s.slug, p.node, p.address, p.expires, p.generation, p.acted, p.pinned"

    static func placement(_ r: Row) throws -> Placement {
        Placement(serviceID: try r.text("service_id"), slug: try r.text("slug"), node: try r.text("node"), address: try r.text("address"),
                  expires: try r.text("expires"), generation: try r.int("generation"), acted: try r.int("acted"),
                  pinned: try r.int("pinned") != 0)
    }

    /// What happened to a claim.
    public enum Claim: Sendable, Equatable {
        /// The service is this replica's to run (newly, or still).
        case mine
        /// Another replica holds it under a live lease (or it is pinned there).
        case elsewhere(Placement)
        /// This replica runs as many services as it may.
        case full
    }

    /// Takes the service for `config.node` if nobody holds it, its holder's lease ran out (and its data does not pin
    /// it there), or it is this node's already; within `config.maxServices`. One write transaction: two replicas
    /// claiming at once cannot both win.
    public func claim(_ serviceID: String, _ config: PlacementConfig, now: Date = Date()) throws -> Claim {
        let at = Clock.iso8601(now), until = Clock.iso8601(now.addingTimeInterval(config.lease))
        return try db.write { conn in
            if let row = try conn.queryOne("SELECT \(PlacementStore.columns) FROM service_placements p JOIN services s ON s.id = p.service_id WHERE p.service_id = ?",
                                           [serviceID]).map(PlacementStore.placement) {
                if row.node == config.node {
                    try conn.execute("UPDATE service_placements SET expires = ?, address = ? WHERE service_id = ?", [until, config.address, serviceID])
                    return .mine
                }
                if row.isLive(at: at) || (row.pinned && !config.sharedRoot) { return .elsewhere(row) }
            }
            let held = try conn.queryOne("SELECT COUNT(*) AS n FROM service_placements WHERE node = ?", [config.node])?.int("n") ?? 0
            guard held < config.maxServices else { return .full }
            try conn.execute("""
                INSERT INTO service_placements(service_id, node, address, expires, generation, acted, pinned) VALUES (?, ?, ?, ?, 0, 0, 0)
                ON CONFLICT(service_id) DO UPDATE SET node = excluded.node, address = excluded.address, expires = excluded.expires,
                    acted = service_placements.generation, pinned = 0
                """, [serviceID, config.node, config.address, until])
            return .mine
        }
    }

    /// Extends this node's leases, with its address as it is now (a restarted replica may listen elsewhere); answers
    /// the placements it holds after that.
    public func renew(_ config: PlacementConfig, now: Date = Date()) throws -> [Placement] {
        try db.write { conn in
            try conn.execute("UPDATE service_placements SET expires = ?1, address = CASE WHEN ?2 = '' THEN address ELSE ?2 END WHERE node = ?3",
                             [Clock.iso8601(now.addingTimeInterval(config.lease)), config.address, config.node])
            return try conn.query("SELECT \(PlacementStore.columns) FROM service_placements p JOIN services s ON s.id = p.service_id WHERE p.node = ?",
                                  [config.node]).map(PlacementStore.placement)
        }
    }

    /// Services meant to run that no live placement holds and `config.node` may take, oldest first. A stopped one
    /// (it waits for secrets) is started by whoever sets them, not taken in turn by every replica.
    public func orphans(_ config: PlacementConfig, now: Date = Date()) throws -> [String] {
        try db.read { conn in
            try conn.query("""
                SELECT s.id FROM services s LEFT JOIN service_placements p ON p.service_id = s.id
                WHERE s.desired = 'running' AND s.status NOT IN ('archived', 'stopped')
                  AND (p.service_id IS NULL OR (p.node <> ?1 AND p.expires < ?2 AND (p.pinned = 0 OR ?3 = 1)))
                ORDER BY s.created, s.slug
                """, [config.node, Clock.iso8601(now), config.sharedRoot ? 1 : 0]).map { try $0.text("id") }
        }
    }

    /// Every placement, live or lapsed (for the proxy's map and the API).
    public func all() throws -> [Placement] {
        try db.read { conn in
            try conn.query("SELECT \(PlacementStore.columns) FROM service_placements p JOIN services s ON s.id = p.service_id ORDER BY s.slug")
                .map(PlacementStore.placement)
        }
    }

    public func placement(of serviceID: String) throws -> Placement? {
        try db.read { conn in
            try conn.queryOne("SELECT \(PlacementStore.columns) FROM service_placements p JOIN services s ON s.id = p.service_id WHERE p.service_id = ?",
                              [serviceID]).map(PlacementStore.placement)
        }
    }

    /// Gives the service up (it stopped here, or another replica took it): only while this node holds it, and, with
    /// `keepPinned`, not when its data keeps it here.
    public func release(_ serviceID: String, node: String, keepPinned: Bool = false) throws {
        try db.write { conn in
            try conn.execute("DELETE FROM service_placements WHERE service_id = ?1 AND node = ?2 AND (pinned = 0 OR ?3 = 0)",
                             [serviceID, node, keepPinned ? 1 : 0])
        }
    }

    /// Asks the owner to start the service again; answers the generation to wait for.
    public func requestStart(_ serviceID: String) throws -> Int? {
        try db.write { conn in
            try conn.queryOne("UPDATE service_placements SET generation = generation + 1 WHERE service_id = ? RETURNING generation", [serviceID])?.int("generation")
        }
    }

    /// The owner acted on `generation` (the start it asked for ended: running, crashed or stopped).
    public func acted(_ serviceID: String, node: String, generation: Int) throws {
        try db.write { conn in
            try conn.execute("UPDATE service_placements SET acted = ?3 WHERE service_id = ?1 AND node = ?2 AND acted < ?3", [serviceID, node, generation])
        }
    }

    /// Its `data/` now holds state on this node's own disk.
    public func pin(_ serviceID: String, node: String) throws {
        try db.write { conn in try conn.execute("UPDATE service_placements SET pinned = 1 WHERE service_id = ? AND node = ? AND pinned = 0", [serviceID, node]) }
    }

    /// Lets a pinned service move: only once its holder's lease ran out (that replica is gone).
    public func unpin(_ serviceID: String, now: Date = Date()) throws -> Bool {
        try db.write { conn in
            try conn.execute("UPDATE service_placements SET pinned = 0 WHERE service_id = ? AND pinned = 1 AND expires < ?",
                             [serviceID, Clock.iso8601(now)]) == 1
        }
    }

    // MARK: version files

    /// Keeps a version's files in the store, so a replica that never saw them can start that version.
    public func saveFiles(_ serviceID: String, version: Int, _ files: [String: [UInt8]]) throws {
        try db.write { conn in
            try conn.execute("DELETE FROM service_version_files WHERE service_id = ? AND version = ?", [serviceID, version])
            for (path, content) in files.sorted(by: { $0.key < $1.key }) {
                try conn.execute("INSERT INTO service_version_files(service_id, version, path, content) VALUES (?, ?, ?, ?)",
                                 [serviceID, version, path, content])
            }
        }
    }

    /// A version's files, or nil when the store has none (a version made before replicas shared the store).
    public func files(_ serviceID: String, version: Int) throws -> [String: [UInt8]]? {
        let rows = try db.read { conn in
            try conn.query("SELECT path, content FROM service_version_files WHERE service_id = ? AND version = ?", [serviceID, version])
        }
        guard !rows.isEmpty else { return nil }
        var out: [String: [UInt8]] = [:]
        for r in rows { out[try r.text("path")] = try r.bytes("content") }
        return out
    }
}
