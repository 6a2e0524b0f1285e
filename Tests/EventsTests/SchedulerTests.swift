import App
import Core
import Events
import Foundation
import Services
import Store
import Testing
import TestSupport
import Workflows

/// The scheduler against a real SQLite file, driven by an injected clock (`tick(now:)`).
@Suite(.offPool) struct SchedulerTests {
    final class Env: @unchecked Sendable {
        let path: String
        var db: Database
        var tasks: TaskStore
        var scheduler: Scheduler

        init() throws {
            path = try TestPaths.temporaryDirectory("sched") + "/openpieces.db"
            db = try TestDatabase.open(path, migrations: Schema.all)
            tasks = TaskStore(db: db)
            scheduler = Scheduler(tasks: tasks, logger: Logger(sink: LogSink(capturingAt: .error))) { _ in }
            _ = try WorkflowStore(db: db, services: ServiceStore(db: db)).save(["slug": "w", "steps": ["Report \"hi\""]], allowReplace: false)
        }

        /// A new process on the same file: what a restart sees.
        func reopen() throws {
            db = try TestDatabase.open(path, migrations: Schema.all)
            tasks = TaskStore(db: db)
            scheduler = Scheduler(tasks: tasks, logger: Logger(sink: LogSink(capturingAt: .error))) { _ in }
        }

        func runs() throws -> [RunRecord] { try RunStore(db: db).list(RunStore.Filter()) }

        /// Ticks every `step` seconds over [from, to]; answers the occurrences fired.
        func sweep(_ from: String, _ to: String, step: TimeInterval = 60) throws -> [String] {
            var t = date(from)
            var fired: [String] = []
            let before = Set(try runs().map(\.id))
            while t <= date(to) {
                scheduler.tick(now: t)
                t = t.addingTimeInterval(step)
            }
            for r in try runs() where !before.contains(r.id) { fired.append(r.scheduledFor ?? "") }
            return fired.sorted()
        }
    }

    static func date(_ s: String) -> Date { Clock.date(iso8601: s)! }

    @Test(arguments: [
        // A 02:30 job on the spring-forward day runs once (02:30 does not exist; it runs at 03:30 CEST, 01:30 UTC).
        ("30 2 * * *", "Europe/Zurich", "2027-03-27T12:00:00Z", "2027-03-27T22:00:00Z", "2027-03-28T06:00:00Z", ["2027-03-28T01:30:00.000Z"]),
        // On the fall-back day 02:30 happens twice on the wall clock; the job runs once, at the first.
        ("30 2 * * *", "Europe/Zurich", "2027-10-30T12:00:00Z", "2027-10-30T22:00:00Z", "2027-10-31T06:00:00Z", ["2027-10-31T00:30:00.000Z"]),
        ("0 9 * * MON-FRI", "America/New_York", "2027-01-01T00:00:00Z", "2027-01-08T00:00:00Z", "2027-01-11T00:00:00Z",
         ["2027-01-08T14:00:00.000Z"]),
        ("*/20 * * * *", "UTC", "2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2027-01-01T01:00:00Z",
         ["2027-01-01T00:20:00.000Z", "2027-01-01T00:40:00.000Z", "2027-01-01T01:00:00.000Z"]),
    ] as [(String, String, String, String, String, [String])])
    func firesEachOccurrenceOnceAcrossDST(schedule: String, zone: String, created: String, from: String, to: String, expected: [String]) async throws {
        // Thousands of ticks, each a transaction: on a thread of its own, not one of the two the whole suite shares
        // (holding those starves every test that waits on an in-process server).
        let fired = try await offPool { () throws -> [String] in
            let env = try Env()
            _ = try env.tasks.create(["workflow": "w", "schedule": .string(schedule), "timezone": .string(zone), "missed": "run_once"], now: Self.date(created))
            // Jump to the window (anything before it counts as missed and is caught up once), then tick minute by minute.
            _ = try env.sweep(from, from)
            return try env.sweep(from, to)
        }
        #expect(fired == expected)
    }

    @Test func firingIsExactlyOnceAcrossTicksAndRestarts() throws {
        let env = try Env()
        let t = try env.tasks.create(["workflow": "w", "at": "2027-05-01T08:00:00Z"], now: Self.date("2027-05-01T07:00:00Z"))
        #expect(env.scheduler.tick(now: Self.date("2027-05-01T07:59:59.900Z")) == Self.date("2027-05-01T08:00:00Z"))
        #expect(try env.runs().isEmpty, "not before its time")
        env.scheduler.tick(now: Self.date("2027-05-01T08:00:00.020Z"))
        env.scheduler.tick(now: Self.date("2027-05-01T08:00:00.020Z"))
        env.scheduler.tick(now: Self.date("2027-05-01T08:00:01Z"))
        try env.reopen()
        env.scheduler.tick(now: Self.date("2027-05-01T08:00:02Z"))
        let runs = try env.runs()
        #expect(runs.count == 1)
        #expect(runs.first?.cause == "task")
        #expect(runs.first?.taskID == t.id)
        #expect(runs.first?.scheduledFor == "2027-05-01T08:00:00.000Z")
        #expect(runs.first?.input["scheduledFor"]?.string == "2027-05-01T08:00:00.000Z")
        let after = try #require(try env.tasks.get(t.id))
        #expect(after.nextRun == nil)
        #expect(after.lastRun == "2027-05-01T08:00:00.000Z")
    }

    @Test func missedRunsFollowEachTasksPolicy() throws {
        let env = try Env()
        let created = Self.date("2027-06-01T10:00:00Z")
        let skip = try env.tasks.create(["workflow": "w", "schedule": "*/5 * * * *", "missed": "skip"], now: created)
        let once = try env.tasks.create(["workflow": "w", "schedule": "*/5 * * * *", "missed": "run_once"], now: created)
        // The server was down for three hours.
        let back = Self.date("2027-06-01T13:02:00Z")
        try env.reopen()
        env.scheduler.tick(now: back)
        let runs = try env.runs()
        #expect(runs.filter { $0.taskID == skip.id }.isEmpty)
        #expect(runs.filter { $0.taskID == once.id }.map { $0.scheduledFor } == ["2027-06-01T13:00:00.000Z"], "one run for all the missed ones")
        for id in [skip.id, once.id] {
            #expect(try env.tasks.get(id)?.nextRun == "2027-06-01T13:05:00.000Z")
        }
        // From then on both run normally.
        env.scheduler.tick(now: Self.date("2027-06-01T13:05:00.010Z"))
        #expect(try env.runs().filter { $0.scheduledFor == "2027-06-01T13:05:00.000Z" }.count == 2)
    }

    @Test func disabledTasksDoNotFireAndEnablingLooksAhead() throws {
        let env = try Env()
        let t = try env.tasks.create(["workflow": "w", "schedule": "0 * * * *"], now: Self.date("2027-06-01T10:30:00Z"))
        _ = try env.tasks.setEnabled(t.id, false, now: Self.date("2027-06-01T10:31:00Z"))
        env.scheduler.tick(now: Self.date("2027-06-01T11:00:00Z"))
        #expect(try env.runs().isEmpty)
        let enabled = try env.tasks.setEnabled(t.id, true, now: Self.date("2027-06-01T11:10:00Z"))
        #expect(enabled?.nextRun == "2027-06-01T12:00:00.000Z")
    }
}
