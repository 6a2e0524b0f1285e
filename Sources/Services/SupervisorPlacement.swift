import Core
import Foundation

/// Services placed on replicas sharing one store (`SupervisorConfig.placement`): each running service is held by
/// one replica under a lease it renews every `interval`; a replica starts what it holds, gives up what another took,
/// and takes services nobody holds (their owner stopped or died) within its `maxServices`. Requests for a service
/// another replica holds are relayed there by the proxy (`LiveServices.remote`).
extension Supervisor {
    /// Store calls off the actor's executor and the cooperative pool: a remote database answers in its own time.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async -> Result<T, any Error> {
        await Blocking.run(.long) { Result { try body() } }
    }

    /// `start` on a shared store: taken here when free (or already here), else asked of its holder and awaited.
    func startPlaced(_ id: String) async {
        guard let placement = currentPlacement, let placements, lookup(id) != nil else { return }
        placing.insert(id)
        defer { placing.remove(id) }
        // Claimed before it is marked to run: no other replica sees it as an orphan in between.
        let claim = await blocking({ try placements.claim(id, placement) })
        record(id, .desired(.running))
        switch claim {
        case .success(.mine):
            await launch(id)
            releaseIfDown(id)
        case .success(.elsewhere(let holder)):
            // Pinned to a replica that is gone: nothing to wait for (the proxy and the dashboard say why).
            guard holder.isLive() else { return }
            guard case .success(let generation?) = await blocking({ try placements.requestStart(id) }) else { return }
            logger.info("service.start_requested", ["service_id": id, "node": holder.node, "generation": "\(generation)"])
            await waitForHolder(id, generation: generation)
        case .success(.full):
            record(id, .status(.deploying), .reason(.noCapacity(placement.maxServices)))
        case .failure(let error):
            logger.error("service.placement_failed", ["service_id": id, "error": "\(error)"])
        }
    }

    /// Waits until the holder acted on `generation` (its start ended), or the service moved here, or time is up.
    private func waitForHolder(_ id: String, generation: Int) async {
        guard let placements, let placement = currentPlacement else { return }
        let deadline = Date().addingTimeInterval(config.readyTimeout + placement.lease + 2)
        while Date() < deadline, !shuttingDown {
            guard case .success(let row) = await blocking({ try placements.placement(of: id) }) else { return }
            guard let row, row.node != placement.node, row.acted < generation else { return }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    /// `stop` for a service this replica does not run: its holder stops it on its next look. Answers false when
    /// nobody else holds it (the caller records it stopped).
    func stopPlaced(_ id: String) async -> Bool {
        guard let placements, let placement = currentPlacement,
              case .success(let row?) = await blocking({ try placements.placement(of: id) }),
              row.node != placement.node, row.isLive() else { return false }
        let deadline = Date().addingTimeInterval(placement.interval * 3 + config.stopGrace + 2)
        while Date() < deadline, !shuttingDown {
            // Its holder stopped it (a pinned service keeps its row) or gave it up.
            if case .success(nil) = await blocking({ try placements.placement(of: id) }) { return true }
            if let s = lookup(id), s.status != .running, s.status != .deploying { return true }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return true  // the record says what became of it
    }

    /// Gives up the placement of a service that does not run here; one whose data keeps it here keeps its row
    /// (stopped, it still belongs to this node) unless `keepPinned` is false (archived).
    func releasePlacement(_ id: String, keepPinned: Bool = true) {
        guard let placements, let placement else { return }
        do { try placements.release(id, node: placement.node, keepPinned: keepPinned && !placement.sharedRoot) } catch {
            logger.error("service.placement_release_failed", ["service_id": id, "error": "\(error)"])
        }
    }

    /// After a start here: one that ended stopped (missing secrets) or archived holds no placement.
    private func releaseIfDown(_ id: String) {
        guard children[id] == nil, let s = lookup(id), s.status == .stopped || s.status == .archived else { return }
        releasePlacement(id)
    }

    /// Shutting down: what this replica held goes to the others at once, except services whose data lives here.
    func releaseOnShutdown() {
        guard let placements, let placement = currentPlacement else { return }
        do {
            for p in try placements.renew(placement) where !(p.pinned && !placement.sharedRoot) {
                try placements.release(p.serviceID, node: placement.node)
            }
        } catch {
            logger.error("service.placement_release_failed", ["error": "\(error)"])
        }
    }

    /// Its `data/` holds state: unless every replica mounts the services root, it stays on this node.
    func pinIfUnshared(_ id: String) {
        guard let placements, let placement = currentPlacement, !placement.sharedRoot else { return }
        do { try placements.pin(id, node: placement.node) } catch {
            logger.error("service.placement_pin_failed", ["service_id": id, "error": "\(error)"])
        }
    }

    // MARK: the loop

    func placementLoop() async {
        guard let placement = currentPlacement else { return }
        logger.info("services.placement", ["node": placement.node, "address": placement.address, "max_services": "\(placement.maxServices)",
                                           "shared_root": "\(placement.sharedRoot)", "lease_s": "\(placement.lease)"])
        if renewalTask == nil, let placements {
            let logger = self.logger
            renewalTask = Task.detached {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(placement.interval * 1e9))
                    // The short lane: a renewal must never queue behind type checks of generated code.
                    let renewed = await Blocking.run(.short) { Result { try placements.renew(placement) } }
                    // Said once per failure: past the lease, the other replicas take this one's services.
                    if case .failure(let error) = renewed { logger.warn("services.lease_renewal_failed", ["error": "\(error)"]) }
                }
            }
        }
        // Another replica changed a service row: look now, not at the next turn.
        let poked = self.poked
        events?.subscribe(.services) { _ in poked.withLock { $0 = true } }
        var last = Date()
        while !Task.isCancelled, !shuttingDown {
            try? await Task.sleep(nanoseconds: 50_000_000)
            guard poked.withLock({ p in defer { p = false }; return p }) || Date().timeIntervalSince(last) >= placement.interval else { continue }
            last = Date()
            await reconcile()
        }
    }

    /// One look: renew what this node holds and read it in one write (so what it acts on has a fresh lease, even on
    /// the first look after a start, before the renewal task ran; that task keeps leases fresh while a look starts
    /// several services); stop what it lost or what should stop; start what it holds and does not run (after a
    /// restart, or asked to); take orphans while there is room; map where the others' services answer.
    func reconcile() async {
        guard let placements, let placement = currentPlacement else { return }
        let store = self.store
        let mark = live.readMark()
        guard case .success(let (held, services)) = await blocking({ (try placements.renew(placement), try store.all()) }) else {
            logger.warn("services.placement_unavailable", [:])
            return
        }
        live.reload(services, readAfter: mark)
        let byID = Dictionary(services.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let heldIDs = Set(held.map(\.serviceID))
        for (id, child) in children where !heldIDs.contains(id) && !launching.contains(id) {
            logger.warn("service.placement_lost", ["service": child.slug, "node": placement.node])
            await stopChild(id)
            // Deleted through another replica: its files here go too.
            if byID[id] == nil { files.remove(child.slug) }
        }
        for p in held where !launching.contains(p.serviceID) && !placing.contains(p.serviceID) {
            guard !shuttingDown, let s = byID[p.serviceID] else { continue }
            if s.desired == .stopped || s.status == .archived {
                if children[p.serviceID] != nil {
                    await stopChild(p.serviceID)
                    if s.status != .archived { record(p.serviceID, .status(.stopped), process(of: p.serviceID)) }
                }
                if s.status == .archived || !p.pinned { releasePlacement(p.serviceID, keepPinned: s.status != .archived) }
            } else if p.generation > p.acted {
                await launch(p.serviceID, ifWanted: true)
                try? placements.acted(p.serviceID, node: placement.node, generation: p.generation)
                releaseIfDown(p.serviceID)
            } else if children[p.serviceID] == nil, s.status == .deploying || s.status == .running, !isRestarting(s) {
                // Held here but not running here: this process just started, or took it over.
                await launch(p.serviceID, ifWanted: true)
                releaseIfDown(p.serviceID)
            }
        }
        var room = placement.maxServices - held.count
        if room > 0, case .success(let orphans) = await blocking({ try placements.orphans(placement) }) {
            for id in orphans where room > 0 && !shuttingDown {
                guard case .success(.mine) = await blocking({ try placements.claim(id, placement) }) else { continue }
                room -= 1
                logger.info("service.placed", ["service": byID[id]?.slug ?? id, "node": placement.node])
                await launch(id, ifWanted: true)
                releaseIfDown(id)
            }
        }
        await mapRemote(placements)
    }

    /// Waiting out a backoff before an automatic restart (`exited`): that restart is under way.
    private func isRestarting(_ s: ServiceRecord) -> Bool {
        if case .restarting = s.stopReason { return true }
        return false
    }

    /// Where the other replicas' services answer, for the proxy: live placements only, addresses resolved here.
    private func mapRemote(_ placements: PlacementStore) async {
        guard let node = placement?.node, case .success(let all) = await blocking({ try placements.all() }) else { return }
        var map: [String: LiveServices.Remote] = [:], stranded: [String: String] = [:]
        let now = Clock.iso8601Now(), sharedRoot = currentPlacement?.sharedRoot ?? false
        for p in all where p.node != node {
            if p.isLive(at: now) {
                if let (ip, port) = await resolve(p.address) { map[p.slug] = LiveServices.Remote(node: p.node, ip: ip, port: port) }
            } else if p.pinned && !sharedRoot {
                stranded[p.slug] = p.node
            }
        }
        live.setRemote(map, stranded: stranded)
    }

    /// A node address (`http://host:port`) as a numeric IP and port; names are looked up at most every 30 s.
    private func resolve(_ address: String) async -> (String, Int)? {
        if let known = resolvedAddresses[address], Date().timeIntervalSince(known.at) < 30 { return (known.ip, known.port) }
        guard let (host, port) = NodeAddress.parse(address) else {
            logger.warn("services.node_address_invalid", ["address": address])
            return nil
        }
        var ip = host
        if IPAddress(literal: host) == nil {
            guard let found = await Blocking.run(timeout: 2, { EgressPolicy.systemResolve(host) }) ?? nil, let first = found.first else {
                logger.warn("services.node_address_unresolved", ["address": address])
                return nil
            }
            ip = first.description
        }
        resolvedAddresses[address] = (ip, port, Date())
        return (ip, port)
    }
}

/// A replica's `--node-address`: `http://host:port` (or `host:port`), host a name or an IP (IPv6 in brackets).
public enum NodeAddress {
    public static func parse(_ text: String) -> (host: String, port: Int)? {
        var rest = Substring(text)
        if rest.hasPrefix("http://") { rest = rest.dropFirst(7) }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("@") else { return nil }
        let host: Substring, portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            portText = rest[rest.index(close, offsetBy: 2)...]
        } else {
            guard let colon = rest.lastIndex(of: ":") else { return nil }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}
