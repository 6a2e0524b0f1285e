import Foundation
import Scheduling
import Testing
import TestSupport

/// The firing and catch-up policy on its own, with an injected clock (the scheduler tests cover it end to end).
@Suite(.offPool) struct CatchUpTests {
    static let utc = TimeZone(identifier: "UTC")!
    static func date(_ iso: String) -> Date { CronTests.date(iso) }
    static func iso(_ d: Date?) -> String { CronTests.iso(d) }

    @Test func onTimeRunsTheDueOccurrenceAndMovesOnFromIt() throws {
        let cron = try CronExpression("*/5 * * * *")
        // 59 s late is still on time: the next run follows the due one, not now.
        let plan = CatchUp.plan(due: Self.date("2027-06-01T12:00:00Z"), now: Self.date("2027-06-01T12:00:59Z"), cron: cron, zone: Self.utc, missed: .skip)
        #expect(Self.iso(plan.occurrence) == "2027-06-01T12:00:00Z")
        #expect(Self.iso(plan.next) == "2027-06-01T12:05:00Z")
        #expect(!plan.skipped)
    }

    @Test func missedAndSkippedRunsNothingAndLooksAheadFromNow() throws {
        let cron = try CronExpression("*/5 * * * *")
        let plan = CatchUp.plan(due: Self.date("2027-06-01T12:00:00Z"), now: Self.date("2027-06-01T13:02:00Z"), cron: cron, zone: Self.utc, missed: .skip)
        #expect(plan.occurrence == nil && plan.skipped)
        #expect(Self.iso(plan.next) == "2027-06-01T13:05:00Z")
    }

    @Test func missedAndRunOnceRunsTheLatestMissedOccurrence() throws {
        let cron = try CronExpression("*/5 * * * *")
        let plan = CatchUp.plan(due: Self.date("2027-06-01T12:00:00Z"), now: Self.date("2027-06-01T13:02:00Z"), cron: cron, zone: Self.utc, missed: .runOnce)
        #expect(Self.iso(plan.occurrence) == "2027-06-01T13:00:00Z")
        #expect(Self.iso(plan.next) == "2027-06-01T13:05:00Z")
    }

    @Test func aOneOffRunsOnceOrIsSkippedAndHasNoNext() {
        let due = Self.date("2027-06-01T12:00:00Z"), late = Self.date("2027-06-02T00:00:00Z")
        #expect(CatchUp.plan(due: due, now: due, cron: nil, zone: Self.utc, missed: .skip) == CatchUp(occurrence: due, next: nil))
        #expect(CatchUp.plan(due: due, now: late, cron: nil, zone: Self.utc, missed: .runOnce) == CatchUp(occurrence: due, next: nil))
        #expect(CatchUp.plan(due: due, now: late, cron: nil, zone: Self.utc, missed: .skip) == CatchUp(occurrence: nil, next: nil))
    }

    @Test func policiesParseFromTheirStoredNames() {
        #expect(MissedPolicy(rawValue: "skip") == .skip)
        #expect(MissedPolicy(rawValue: "run_once") == .runOnce)
        #expect(MissedPolicy(rawValue: "sometimes") == nil)
    }
}
