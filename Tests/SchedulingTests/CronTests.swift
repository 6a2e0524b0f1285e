import Foundation
import Scheduling
import Testing
import TestSupport

@Suite(.offPool) struct CronTests {
    static func date(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }
    static func iso(_ d: Date?) -> String { d.map { ISO8601DateFormatter().string(from: $0) } ?? "none" }

    static let table: [(String, String, String, String)] = [
        // expression, zone, after (UTC), expected next (UTC)
        ("*/15 * * * *", "UTC", "2026-11-23T10:07:00Z", "2026-11-23T10:15:00Z"),
        ("*/15 * * * *", "UTC", "2026-11-23T10:15:00Z", "2026-11-23T10:30:00Z"),
        ("0 9 * * MON-FRI", "Europe/Zurich", "2026-11-20T09:00:00Z", "2026-11-23T08:00:00Z"),  // Fri after 10:00 local → Mon 09:00 CET
        ("0 8 * * *", "Asia/Tokyo", "2026-11-23T00:00:00Z", "2026-11-23T23:00:00Z"),
        ("30 2 * * *", "America/New_York", "2026-03-08T05:00:00Z", "2026-03-08T07:30:00Z"),  // spring forward: 02:30 → 03:30 EDT, once
        ("30 2 * * *", "America/New_York", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"),
        ("30 1 * * *", "America/New_York", "2026-11-01T04:00:00Z", "2026-11-01T05:30:00Z"),  // fall back: first 01:30 (EDT)...
        ("30 1 * * *", "America/New_York", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"),  // ...and not the repeated one
        ("0 0 29 2 *", "UTC", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("0 0 13 * FRI", "UTC", "2026-11-07T00:00:00Z", "2026-11-13T00:00:00Z"),  // the 13th, or any Friday
        ("0 0 13 * FRI", "UTC", "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z"),
        ("5,35 */6 * JAN,JUL *", "UTC", "2026-11-23T00:00:00Z", "2027-01-01T00:05:00Z"),
        ("0 12 * * 7", "UTC", "2026-11-23T00:00:00Z", "2026-11-29T12:00:00Z"),  // 7 is Sunday
        ("@hourly", "UTC", "2026-11-23T10:59:59Z", "2026-11-23T11:00:00Z"),
        ("@daily", "Europe/Zurich", "2026-11-23T10:00:00Z", "2026-11-23T23:00:00Z"),
        ("@monthly", "UTC", "2026-12-15T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("0-10/5 3 * * *", "UTC", "2026-11-23T03:05:00Z", "2026-11-23T03:10:00Z"),
    ]

    @Test(arguments: 0..<table.count)
    func nextTimes(_ i: Int) throws {
        let (expr, zone, after, expected) = CronTests.table[i]
        let cron = try CronExpression(expr)
        let next = cron.next(after: CronTests.date(after), in: TimeZone(identifier: zone)!)
        #expect(CronTests.iso(next) == expected, "\(expr) in \(zone) after \(after)")
    }

    @Test func previewGivesSuccessiveRuns() throws {
        let runs = try CronExpression("0 */8 * * *").preview(after: CronTests.date("2026-11-23T01:00:00Z"), in: TimeZone(identifier: "UTC")!, count: 5)
        #expect(runs.map(CronTests.iso) == ["2026-11-23T08:00:00Z", "2026-11-23T16:00:00Z", "2026-11-24T00:00:00Z", "2026-11-24T08:00:00Z", "2026-11-24T16:00:00Z"])
    }

    @Test(arguments: [
        ("61 * * * *", 1, "outside"),
        ("* * * * MON-XYZ", 13, "not a number or a name"),
        ("* *", 1, "5 fields"),
        ("*/0 * * * *", 3, "step"),
        ("5-1 * * * *", 1, "backwards"),
        ("* * 1,,2 * *", 7, "empty list item"),
        ("@fortnightly", 1, "unknown shorthand"),
        ("0 24 * * *", 3, "outside"),
    ])
    func invalidExpressionsNameThePosition(_ expr: String, _ position: Int, _ fragment: String) {
        do {
            _ = try CronExpression(expr)
            Issue.record("\(expr) should be rejected")
        } catch {
            #expect(error.position == position, "\(expr): \(error)")
            #expect(error.message.contains(fragment), "\(expr): \(error)")
        }
    }
}

@Suite struct CronDescriptionTests {
    @Test(arguments: [
        ("0 8 * * *", "at 08:00"),
        ("0 8 * * MON-FRI", "at 08:00 on Monday to Friday"),
        ("30 2 * * *", "at 02:30"),
        ("*/15 * * * *", "every 15 minutes"),
        ("* * * * *", "every minute"),
        ("5 * * * *", "every hour at minute 5"),
        ("0 */6 * * *", "every 6 hours at minute 0"),
        ("0 9,17 * * SAT,SUN", "at 09:00 and 17:00 on weekends"),
        ("0 0 1 JAN *", "at 00:00 on day 1 of the month in January"),
        ("@weekly", "at 00:00 on Sunday"),
        ("0 12 29 2 *", "at 12:00 on day 29 of the month in February"),
        ("61 * * * *", "invalid: at character 1: 61 is outside 0–59"),
    ])
    func describesExpressions(expression: String, expected: String) {
        #expect(CronExpression.describe(expression) == expected)
    }
}

@Suite(.offPool) struct SchedulePhraseTests {
    @Test(arguments: [
        ("every morning at 8, fetch https://example.com", "0 8 * * *", nil),
        ("every 15 minutes call counter POST /increment", "*/15 * * * *", nil),
        ("every weekday at 9:30am in America/New_York", "30 9 * * MON-FRI", "America/New_York"),
        ("daily at 18:00 (Europe/Zurich)", "0 18 * * *", "Europe/Zurich"),
        ("every monday and friday at 7pm", "0 19 * * MON,FRI", nil),
        ("hourly", "0 * * * *", nil),
        ("every 6 hours", "0 */6 * * *", nil),
        ("on a cron \"*/5 * * * *\"", "*/5 * * * *", nil),
        ("every evening", "0 18 * * *", nil),
    ] as [(String, String, String?)])
    func parsesPlainEnglish(text: String, cron: String, zone: String?) {
        #expect(SchedulePhrase.parse(text) == SchedulePhrase.Parsed(cron: cron, timezone: zone))
    }

    @Test func isNilWithoutASchedule() {
        #expect(SchedulePhrase.parse("create a notes API with title and body") == nil)
        #expect(SchedulePhrase.parse("build a webhook receiver for orders") == nil)
    }
}
