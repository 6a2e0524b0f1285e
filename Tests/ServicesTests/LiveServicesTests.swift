import Foundation
@testable import Services
import Store
import Testing
import TestSupport

/// The proxy's view of every slug follows the service rows from memory: loaded at start, then each committed write.
@Suite(.offPool) struct LiveServicesTests {
    func record(_ slug: String, status: ServiceStatus = .stopped) -> ServiceRecord {
        ServiceRecord(id: UUID().uuidString.lowercased(), slug: slug, title: slug, description: "", kind: "action", status: status,
                      desired: .stopped, workflow: nil, secrets: [], hosts: [], currentVersion: 1, runningVersion: nil, port: nil,
                      pid: nil, reason: nil, token: "t", created: "c", updated: "u")
    }

    func status(_ lookup: LiveServices.Lookup) -> String? {
        if case .notRunning(let r) = lookup { return r.status.rawValue + (r.reason.map { ": " + $0 } ?? "") }
        return nil
    }

    @Test func followsEveryWriteToTheServiceRows() throws {
        let dir = try TestPaths.temporaryDirectory("live")
        let store = ServiceStore(db: try TestDatabase.open(dir + "/s.sqlite", migrations: ServiceStore.migrations))
        let before = record("before")
        try store.insert(before)
        let live = LiveServices()
        try live.follow(store)
        // Loaded at start, by slug and by id (the store finds either).
        #expect(status(live.lookup("before")) == "stopped")
        #expect(status(live.lookup(before.id)) == "stopped")
        #expect(live.lookup("later") == .unknown)

        let later = record("later")
        try store.insert(later)
        #expect(status(live.lookup("later")) == "stopped")
        let reason = StopReason.launchFailed("exit code 3")
        try store.update(later.id, [.status(.crashed), .reason(reason)])
        #expect(status(live.lookup("later")) == "crashed: \(reason.text)")
        #expect(try store.find("later") == { if case .notRunning(let r) = live.lookup("later") { return r }; return nil }())

        // A port wins while the service answers; the record speaks again once it does not.
        live.set("later", port: 40123)
        #expect(live.lookup("later") == .running(port: 40123))
        try store.update(later.id, [.status(.stopped), .reason(nil)])
        live.set("later", port: nil)
        #expect(status(live.lookup("later")) == "stopped")

        // A write that fails leaves the view as it was.
        #expect(throws: (any Error).self) { try store.insert(later) }  // the id is taken
        #expect(status(live.lookup("later")) == "stopped")

        try store.delete(later.id)
        #expect(live.lookup("later") == .unknown)
        #expect(live.lookup(later.id) == .unknown)
        #expect(status(live.lookup("before")) == "stopped")
    }

    /// Rows read for a reload (the placement loop's look on a shared store) before this process wrote them must not
    /// undo those writes: a service deleted while the rows were read stays gone; rows nobody here wrote follow the read.
    @Test func aReloadReadBeforeAWriteDoesNotUndoIt() throws {
        let dir = try TestPaths.temporaryDirectory("live-reload")
        let store = ServiceStore(db: try TestDatabase.open(dir + "/s.sqlite", migrations: ServiceStore.migrations))
        let gone = record("gone"), kept = record("kept"), other = record("other")
        for r in [gone, kept, other] { try store.insert(r) }
        let live = LiveServices(placed: true)
        try live.follow(store)

        let mark = live.readMark()
        let snapshot = try store.all()            // read before the writes below
        try store.delete(gone.id)
        try store.update(kept.id, [.status(.crashed)])
        var elsewhere = other; elsewhere.status = .archived   // what another replica wrote, seen only through the read
        live.reload(snapshot.map { $0.id == other.id ? elsewhere : $0 }, readAfter: mark)
        #expect(live.lookup("gone") == .unknown)
        #expect(live.lookup(gone.id) == .unknown)
        #expect(status(live.lookup("kept")) == "crashed")
        #expect(status(live.lookup("other")) == "archived")

        // The next read, made after those writes, is taken whole: a row another replica deleted goes.
        live.reload(try store.all().filter { $0.id != other.id }, readAfter: live.readMark())
        #expect(live.lookup("other") == .unknown)
        #expect(status(live.lookup("kept")) == "crashed")
        #expect(live.lookup("gone") == .unknown)
    }
}
