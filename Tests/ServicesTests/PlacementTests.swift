import Core
import Foundation
@testable import Services
import Store
import Testing
import TestSupport

/// Placement leases on both backends: one holder at a time, taken over only once its lease ran out (and, for a
/// service whose data lives on its node, only with a shared services root), within each replica's capacity.
@Suite struct PlacementTests {
    struct Fixture {
        let services: ServiceStore
        let placements: PlacementStore
        let a: PlacementConfig
        let b: PlacementConfig
    }

    func fixture(_ backend: SQLDialect, maxServices: Int = 10) throws -> Fixture {
        let dir = try TestPaths.temporaryDirectory("placement-\(backend)")
        let db = try Database(location: TestDatabase.location(backend, dir + "/p.sqlite"),
                              migrations: ServiceStore.migrations + PlacementStore.migrations)
        var a = PlacementConfig(node: "node-a", address: "http://10.0.0.1:39300", maxServices: maxServices, sharedRoot: false)
        var b = PlacementConfig(node: "node-b", address: "http://10.0.0.2:39300", maxServices: maxServices, sharedRoot: false)
        a.lease = 10
        b.lease = 10
        return Fixture(services: ServiceStore(db: db), placements: PlacementStore(db: db), a: a, b: b)
    }

    @discardableResult
    func service(_ f: Fixture, _ slug: String, desired: DesiredState = .running, status: ServiceStatus = .running) throws -> String {
        let id = UUID().uuidString.lowercased()
        try f.services.insert(ServiceRecord(id: id, slug: slug, title: slug, description: "", kind: "action", status: status, desired: desired,
                                            workflow: nil, secrets: [], hosts: [], currentVersion: 1, runningVersion: nil, port: nil, pid: nil,
                                            reason: nil, token: "t", created: Clock.iso8601Now(), updated: Clock.iso8601Now()))
        return id
    }

    func holder(_ claim: PlacementStore.Claim) -> String? {
        if case .elsewhere(let p) = claim { return p.node }
        return nil
    }

    @Test(arguments: TestDatabase.backends)
    func oneHolderUntilItsLeaseRunsOut(_ backend: SQLDialect) throws {
        let f = try fixture(backend)
        let id = try service(f, "echo")
        let t0 = Date()
        #expect(try f.placements.orphans(f.a, now: t0) == [id])
        #expect(try f.placements.claim(id, f.a, now: t0) == .mine)
        #expect(try f.placements.orphans(f.b, now: t0).isEmpty)
        #expect(holder(try f.placements.claim(id, f.b, now: t0.addingTimeInterval(5))) == "node-a")
        // Renewed, it stays A's past the first lease.
        #expect(try f.placements.renew(f.a, now: t0.addingTimeInterval(8)).map(\.serviceID) == [id])
        #expect(holder(try f.placements.claim(id, f.b, now: t0.addingTimeInterval(15))) == "node-a")
        // Unrenewed (A died), B takes it, and A's renewal no longer names it.
        #expect(try f.placements.orphans(f.b, now: t0.addingTimeInterval(19)) == [id])
        #expect(try f.placements.claim(id, f.b, now: t0.addingTimeInterval(19)) == .mine)
        #expect(try f.placements.renew(f.a, now: t0.addingTimeInterval(19)).isEmpty)
        let row = try #require(try f.placements.placement(of: id))
        #expect(row.node == "node-b" && row.address == "http://10.0.0.2:39300" && row.slug == "echo")
        // B restarted and listens elsewhere: its renewal says where (an address not known yet changes nothing).
        var restarted = f.b
        restarted.address = ""
        _ = try f.placements.renew(restarted, now: t0.addingTimeInterval(20))
        #expect(try f.placements.placement(of: id)?.address == "http://10.0.0.2:39300")
        restarted.address = "http://10.0.0.9:40000"
        _ = try f.placements.renew(restarted, now: t0.addingTimeInterval(21))
        #expect(try f.placements.placement(of: id)?.address == "http://10.0.0.9:40000")
        // Only the holder can give it up.
        try f.placements.release(id, node: "node-a")
        #expect(try f.placements.placement(of: id)?.node == "node-b")
        try f.placements.release(id, node: "node-b")
        #expect(try f.placements.placement(of: id) == nil)
        // Stopped or archived services are nobody's orphans, nor one meant to run that waits for its secrets (whoever
        // sets them starts it); one that was running or starting is.
        _ = try service(f, "stopped", desired: .stopped, status: .stopped)
        _ = try service(f, "waiting", desired: .running, status: .stopped)
        _ = try service(f, "archived", desired: .running, status: .archived)
        let starting = try service(f, "starting", desired: .running, status: .deploying)
        #expect(try f.placements.orphans(f.a, now: t0.addingTimeInterval(19)) == [id, starting])
    }

    @Test(arguments: TestDatabase.backends)
    func aServiceWhoseDataLivesOnItsNodeWaitsForThatNode(_ backend: SQLDialect) throws {
        let f = try fixture(backend)
        let id = try service(f, "notes")
        let t0 = Date()
        #expect(try f.placements.claim(id, f.a, now: t0) == .mine)
        try f.placements.pin(id, node: "node-b")  // not B's to pin
        #expect(try f.placements.placement(of: id)?.pinned == false)
        try f.placements.pin(id, node: "node-a")
        #expect(try f.placements.placement(of: id)?.pinned == true)
        // Stopped, it stays A's: its data is there.
        try f.placements.release(id, node: "node-a", keepPinned: true)
        #expect(try f.placements.placement(of: id)?.node == "node-a")
        // Long after A's lease: B may not take it, unless the services root is shared (the data moves along).
        let later = t0.addingTimeInterval(60)
        #expect(try f.placements.orphans(f.b, now: later).isEmpty)
        #expect(holder(try f.placements.claim(id, f.b, now: later)) == "node-a")
        var shared = f.b
        shared.sharedRoot = true
        #expect(try f.placements.orphans(shared, now: later) == [id])
        // A back first keeps it, pinned.
        #expect(try f.placements.claim(id, f.a, now: later) == .mine)
        #expect(try f.placements.placement(of: id)?.pinned == true)
        #expect(try f.placements.claim(id, shared, now: later.addingTimeInterval(30)) == .mine)
        #expect(try f.placements.placement(of: id)?.pinned == false)  // a new node starts unpinned
    }

    @Test(arguments: TestDatabase.backends)
    func aPinnedServiceMovesOnlyOnceItsReplicaIsGoneAndOnlyWhenAsked(_ backend: SQLDialect) throws {
        let f = try fixture(backend)
        let id = try service(f, "notes")
        let t0 = Date()
        #expect(try f.placements.claim(id, f.a, now: t0) == .mine)
        try f.placements.pin(id, node: "node-a")
        #expect(try f.placements.unpin(id, now: t0.addingTimeInterval(5)) == false, "not while its replica renews")
        #expect(try f.placements.unpin(id, now: t0.addingTimeInterval(60)))
        #expect(try f.placements.orphans(f.b, now: t0.addingTimeInterval(60)) == [id])
        #expect(try f.placements.claim(id, f.b, now: t0.addingTimeInterval(60)) == .mine)
        #expect(try f.placements.unpin(id, now: t0.addingTimeInterval(200)) == false, "nothing to unpin")
    }

    @Test(arguments: TestDatabase.backends)
    func aReplicaTakesNoMoreThanItsCapacity(_ backend: SQLDialect) throws {
        let f = try fixture(backend, maxServices: 2)
        let ids = try (1...3).map { try service(f, "s\($0)") }
        #expect(try f.placements.claim(ids[0], f.a) == .mine)
        #expect(try f.placements.claim(ids[1], f.a) == .mine)
        #expect(try f.placements.claim(ids[2], f.a) == .full)
        #expect(try f.placements.claim(ids[0], f.a) == .mine)  // renewing its own is not a new one
        #expect(try f.placements.claim(ids[2], f.b) == .mine)
    }

    @Test(arguments: TestDatabase.backends)
    func aStartRequestIsAnsweredByItsHolder(_ backend: SQLDialect) throws {
        let f = try fixture(backend)
        let id = try service(f, "echo")
        #expect(try f.placements.requestStart(id) == nil)  // nobody holds it: nothing to ask
        #expect(try f.placements.claim(id, f.a) == .mine)
        let generation = try #require(try f.placements.requestStart(id))
        #expect(try f.placements.renew(f.a).first.map { $0.generation > $0.acted } == true)
        try f.placements.acted(id, node: "node-b", generation: generation)  // not B's
        #expect(try f.placements.placement(of: id)?.acted == 0)
        try f.placements.acted(id, node: "node-a", generation: generation)
        #expect(try f.placements.placement(of: id)?.acted == generation)
        // A new holder does not act on requests made of the old one.
        #expect(try f.placements.requestStart(id) == generation + 1)
        #expect(try f.placements.claim(id, f.b, now: Date().addingTimeInterval(60)) == .mine)
        let row = try #require(try f.placements.placement(of: id))
        #expect(row.acted == row.generation)
    }

    @Test(arguments: TestDatabase.backends)
    func everyVersionsFilesAreInTheStore(_ backend: SQLDialect) throws {
        let f = try fixture(backend)
        let id = try service(f, "echo")
        let v1: [String: [UInt8]] = ["main.ts": Array("v1".utf8), "lib/x.ts": [0, 255, 10], "service.json": Array("{}".utf8)]
        try f.placements.saveFiles(id, version: 1, v1)
        try f.placements.saveFiles(id, version: 2, ["main.ts": Array("v2".utf8)])
        #expect(try f.placements.files(id, version: 1) == v1)
        #expect(try f.placements.files(id, version: 2) == ["main.ts": Array("v2".utf8)])
        #expect(try f.placements.files(id, version: 3) == nil)

        // A replica that never saw version 1 writes it into its live directory, keeping data/, and again only when
        // the version it holds is another.
        let root = try TestPaths.temporaryDirectory("placement-files")
        let files = ServiceFiles(servicesRoot: root + "/services", versionsRoot: root + "/versions", shared: f.placements)
        try FileManager.default.createDirectory(atPath: root + "/services/echo/data", withIntermediateDirectories: true)
        try Data("state".utf8).write(to: URL(fileURLWithPath: root + "/services/echo/data/db"))
        try files.materialize("echo", id: id, version: 1)
        #expect(try files.read("echo") == v1)
        #expect(FileManager.default.contents(atPath: root + "/services/echo/data/db") == Data("state".utf8))
        try files.materialize("echo", id: id, version: 2)
        #expect(try files.read("echo") == ["main.ts": Array("v2".utf8)])
        #expect(try files.files(of: "echo", id: id, version: 1) == v1)  // no snapshot on this disk: from the store
        #expect(throws: ServiceFiles.Invalid.self) { try files.materialize("echo", id: id, version: 3) }
    }

    @Test func nodeAddresses() {
        #expect(NodeAddress.parse("http://10.0.0.5:39300")! == ("10.0.0.5", 39300))
        #expect(NodeAddress.parse("openpieces-0.nodes:8080/")! == ("openpieces-0.nodes", 8080))
        #expect(NodeAddress.parse("http://[fd00::5]:39300")! == ("fd00::5", 39300))
        for bad in ["http://10.0.0.5", "http://u@h:1", "h:0", "h:70000", "http://h:1/path", "[fd00::5]39300", ":80"] {
            #expect(NodeAddress.parse(bad) == nil, "\(bad)")
        }
    }
}
