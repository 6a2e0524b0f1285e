import Foundation
@testable import Services
import Store
import Testing
import TestSupport

/// Service state as values: the reasons read as they always did, typed changes reach the right columns, and a row
/// the code cannot read is an error rather than a default.
@Suite(.offPool) struct ServiceStateTests {
    @Test func reasonsReadAsBefore() {
        // The API, the CLI and the eval checks show these texts: they must not change with the type behind them.
        #expect(StopReason.missingSecrets(["A", "B_C"]).text == "missing secrets: A, B_C. Set them with `openpieces secrets set NAME`.")
        #expect(StopReason.crashed(times: 5, exit: "exit code 1", lastOutput: ["one", "two"]).text
                == "crashed 5 times in a row (exit code 1). Last output:\none\ntwo")
        #expect(StopReason.notReady(seconds: 10, lastOutput: ["x"]).text == "GET /health did not answer 200 within 10 s. Last output:\nx")
        #expect(StopReason.restarting(after: "signal 9").text == "restarting after signal 9")
        #expect(StopReason.noFreePort(40000...40001).text == "no free port in 40000...40001")
        #expect(StopReason.limitExceeded(LimitBreach(limit: .cpu, text: "CPU limit exceeded: x")).text == "CPU limit exceeded: x")
        #expect(StopReason.missingSecrets(["A"]).missingSecrets == ["A"])
        #expect(StopReason.restarting(after: "exit code 1").missingSecrets.isEmpty)
    }

    func store() throws -> (ServiceStore, Database) {
        let path = (try TestPaths.temporaryDirectory("service-state") as NSString).appendingPathComponent("t.sqlite")
        let db = try TestDatabase.open(path, migrations: ServiceStore.migrations)
        return (ServiceStore(db: db), db)
    }

    func record(_ slug: String) -> ServiceRecord {
        ServiceRecord(id: slug + "-id", slug: slug, title: slug, description: "", kind: "action", status: .stopped, desired: .stopped,
                      workflow: nil, secrets: ["KEY"], hosts: [], currentVersion: 1, runningVersion: nil, port: nil, pid: nil, reason: nil,
                      token: "t", created: "2026-01-01T00:00:00Z", updated: "2026-01-01T00:00:00Z")
    }

    @Test func typedChangesLandInTheirColumns() throws {
        let (services, db) = try store()
        try services.insert(record("a"))
        try services.update("a-id", [.desired(.running), .status(.deploying), .process(pid: 42, port: 40100)])
        var a = try #require(try services.find("a"))
        #expect(a.status == .deploying && a.desired == .running && a.pid == 42 && a.port == 40100 && a.reason == nil)
        try services.update("a-id", [.status(.stopped), .down, .reason(.missingSecrets(["KEY"]))])
        a = try #require(try services.find("a"))
        #expect(a.status == .stopped && a.pid == nil && a.port == nil)
        // The database holds the same strings as before the types: the raw values and the reason's text.
        let row = try #require(try db.read { try $0.queryOne("SELECT status, desired, reason FROM services WHERE id = 'a-id'") })
        #expect(row["status"].string == "stopped" && row["desired"].string == "running")
        #expect(row["reason"].string == "missing secrets: KEY. Set them with `openpieces secrets set NAME`.")
        try services.update("a-id", [.status(.running), .runningVersion(1), .reason(nil)])
        a = try #require(try services.find("a"))
        #expect(a.status == .running && a.runningVersion == 1 && a.reason == nil)
    }

    @Test func anUnreadableRowIsAnError() throws {
        let (services, db) = try store()
        try services.insert(record("b"))
        try db.write { _ = try $0.execute("UPDATE services SET status = 'sleeping' WHERE id = 'b-id'") }
        #expect(throws: StoreError.column(name: "status", message: "holds 'sleeping', not a known ServiceStatus")) { try services.find("b") }
        #expect(throws: StoreError.self) { try services.all() }
    }
}
