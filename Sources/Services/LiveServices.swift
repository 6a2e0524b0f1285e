import Core
import Synchronization

/// Every service the proxy may be asked for, readable without waiting or touching the database: the reverse proxy
/// decides on the event loop. Ports come from the backend (which instance answers where); records mirror the service
/// rows (`ServiceStore.onChange`), so a stopped, crashed, archived or unknown slug is answered from memory too.
public final class LiveServices: Sendable {
    /// A service came up (with its port) or went down (stopped, crashed, restarting): what the MCP tool list follows.
    public struct Change: Sendable, Equatable {
        public let slug: String
        /// Nil when it no longer answers.
        public let port: Int?
    }

    /// A service another replica runs (a live placement), where that replica's HTTP server answers.
    public struct Remote: Sendable, Equatable {
        public let node: String
        /// A numeric IPv4 or IPv6 address: resolved before any request needs it.
        public let ip: String
        public let port: Int
    }

    /// What the proxy does with a slug.
    public enum Lookup: Sendable, Equatable {
        /// It answers on this loopback port.
        case running(port: Int)
        /// Another replica runs it: the request is relayed there.
        case elsewhere(Remote)
        /// Its `data/` lives on this node's disk (not shared), and that node does not answer: it waits for the node.
        case stranded(node: String)
        /// It exists but does not answer: its record says why (status and reason).
        case notRunning(ServiceRecord)
        /// No service has this slug (or id).
        case unknown
    }

    private struct State {
        var ports: [String: Int] = [:]        // by slug
        var records: [String: ServiceRecord] = [:]  // by slug
        var slugs: [String: String] = [:]     // slug by id: the store finds a service by either
        var remote: [String: Remote] = [:]    // by slug
        var stranded: [String: String] = [:]  // node by slug
        /// Counts this process's row writes, and when each slug was last written: a reload read before a write
        /// must not bring back what the write changed (a deleted service answering as archived).
        var writes = 0
        var writtenAt: [String: Int] = [:]
    }

    private let state = Locked(State())
    private let observers = Locked<[@Sendable (Change) -> Void]>([])

    /// Replicas share the store: services may run on another replica, or be between replicas.
    public let placed: Bool

    public init(placed: Bool = false) { self.placed = placed }

    public func port(_ slug: String) -> Int? { state.withLock { $0.ports[slug] } }

    /// The proxy's decision for `slug`, as the store would answer `find(slug)`: a slug first, then an id.
    public func lookup(_ slug: String) -> Lookup {
        state.withLock { s in
            if let port = s.ports[slug] { return .running(port: port) }
            if let r = s.remote[slug] ?? s.slugs[slug].flatMap({ s.remote[$0] }) { return .elsewhere(r) }
            if let node = s.stranded[slug] ?? s.slugs[slug].flatMap({ s.stranded[$0] }) { return .stranded(node: node) }
            if let r = s.records[slug] ?? s.slugs[slug].flatMap({ s.records[$0] }) { return .notRunning(r) }
            return .unknown
        }
    }

    /// The mirrored row of a service, by slug or id (nil for none, or before `follow`).
    public func record(_ slugOrID: String) -> ServiceRecord? {
        state.withLock { s in s.records[slugOrID] ?? s.slugs[slugOrID].flatMap { s.records[$0] } }
    }

    /// Meant to run and last seen running or starting, yet answering neither here nor on a live replica: its replica
    /// is gone and another takes it once the lease runs out (only on a shared store).
    public func isMoving(_ s: ServiceRecord) -> Bool {
        placed && s.desired == .running && (s.status == .running || (s.status == .deploying && s.stopReason == nil))
    }

    /// Whether `slug` answers now: here, or on another replica.
    public func answers(_ slug: String) -> Bool { state.withLock { $0.ports[slug] != nil || $0.remote[slug] != nil } }

    /// Where another replica runs `slug`, if one does.
    public func remote(_ slug: String) -> Remote? { state.withLock { $0.remote[slug] } }

    /// The services other replicas run now (the placement loop's latest look), replacing the previous map.
    func setRemote(_ remote: [String: Remote], stranded: [String: String]) {
        let changes = state.withLock { s -> [Change] in
            let before = s.remote
            s.remote = remote
            s.stranded = stranded
            // The MCP tool list follows what answers anywhere: a service that came up or went away elsewhere.
            return Set(before.keys).symmetricDifference(remote.keys).filter { s.ports[$0] == nil }.map { Change(slug: $0, port: nil) }
        }
        for c in changes { for h in observers.withLock({ $0 }) { h(c) } }
    }

    /// Marks the moment before the rows for `reload` are read.
    func readMark() -> Int { state.withLock { $0.writes } }

    /// Every service row as the store had it when read (after `mark`): other replicas write rows too, and their
    /// writes reach this mirror only this way. Rows this process wrote since `mark` keep what those writes said.
    func reload(_ all: [ServiceRecord], readAfter mark: Int) {
        state.withLock { s in
            let newer = Set(s.writtenAt.filter { $0.value > mark }.keys)
            var records = Dictionary(all.filter { !newer.contains($0.slug) }.map { ($0.slug, $0) }, uniquingKeysWith: { a, _ in a })
            for slug in newer { records[slug] = s.records[slug] }
            s.records = records
            s.slugs = Dictionary(records.values.map { ($0.id, $0.slug) }, uniquingKeysWith: { a, _ in a })
            s.writtenAt = s.writtenAt.filter { $0.value > mark }
        }
    }

    /// Called on every change, from whoever made it (the supervisor): it must be quick and not block.
    public func onChange(_ handler: @escaping @Sendable (Change) -> Void) { observers.withLock { $0.append(handler) } }

    func set(_ slug: String, port: Int?) {
        let changed = state.withLock { s -> Bool in
            guard s.ports[slug] != port else { return false }
            s.ports[slug] = port
            return true
        }
        guard changed else { return }
        // Outside the lock: a handler may read the ports.
        for h in observers.withLock({ $0 }) { h(Change(slug: slug, port: port)) }
    }

    /// Follows the service rows: every record at start-up, then each committed write.
    func follow(_ store: ServiceStore) throws {
        try store.follow(load: { all in
            state.withLock { s in
                for r in all {
                    s.records[r.slug] = r
                    s.slugs[r.id] = r.slug
                }
            }
        }, then: { [weak self] in self?.apply($0) })
    }

    func apply(_ change: ServiceStore.Change) {
        state.withLock { s in
            // Only a shared store reloads (and prunes this in `reload`); a single node need not keep it.
            if placed {
                s.writes += 1
                for slug in [change.slugBefore, change.record?.slug].compactMap({ $0 }) { s.writtenAt[slug] = s.writes }
            }
            if let old = change.slugBefore, old != change.record?.slug, let gone = s.records.removeValue(forKey: old) {
                s.slugs[gone.id] = nil
            }
            if let r = change.record {
                s.records[r.slug] = r
                s.slugs[r.id] = r.slug
            }
        }
    }
}
