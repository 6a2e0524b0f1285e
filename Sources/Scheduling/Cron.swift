import Foundation

/// A parse error with the 1-based character position where it was found.
public struct CronError: Error, Equatable, CustomStringConvertible, Sendable {
    public let position: Int
    public let message: String
    public var description: String { "at character \(position): \(message)" }
}

// Scheduling owns schedule arithmetic (parsing, next times in a zone, catch-up in `CatchUp`) and nothing that stores
// or waits, so it is pure and tested without a clock.

/// A 5-field cron expression (minute hour day-of-month month day-of-week) with ranges, steps, lists, month and day
/// names, and the @hourly/@daily/@weekly/@monthly/@yearly shorthands. `next(after:in:)` walks wall-clock time in
/// the task's IANA zone, so a daily 02:30 job runs once on a spring-forward day (at 03:30) and once on fall-back.
public struct CronExpression: Sendable, Equatable {
    public private(set) var source: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>  // 0 = Sunday
    let daysRestricted: Bool
    let weekdaysRestricted: Bool

    static let shorthands = ["@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                             "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public init(_ text: String) throws(CronError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("@") {
            guard let expanded = CronExpression.shorthands[trimmed.lowercased()] else {
                throw CronError(position: 1, message: "unknown shorthand '\(trimmed)'; use @hourly, @daily, @weekly, @monthly or @yearly")
            }
            self = try CronExpression(expanded)
            source = text
            return
        }
        source = text
        // Fields with their starting positions, for error messages.
        var fields: [(String, Int)] = []
        var current = "", start = 0
        for (i, c) in text.enumerated() {
            if c == " " || c == "\t" {
                if !current.isEmpty { fields.append((current, start)); current = "" }
            } else {
                if current.isEmpty { start = i + 1 }
                current.append(c)
            }
        }
        if !current.isEmpty { fields.append((current, start)) }
        guard fields.count == 5 else {
            throw CronError(position: 1, message: "a cron expression has 5 fields (minute hour day month weekday), found \(fields.count)")
        }
        minutes = try CronExpression.field(fields[0], 0...59, names: [])
        hours = try CronExpression.field(fields[1], 0...23, names: [])
        days = try CronExpression.field(fields[2], 1...31, names: [])
        months = try CronExpression.field(fields[3], 1...12, names: CronExpression.monthNames, nameBase: 1)
        var dow = try CronExpression.field(fields[4], 0...7, names: CronExpression.dayNames)
        if dow.remove(7) != nil { dow.insert(0) }  // 7 is Sunday too
        weekdays = dow
        daysRestricted = fields[2].0 != "*"
        weekdaysRestricted = fields[4].0 != "*"
    }

    private static func field(_ f: (String, Int), _ range: ClosedRange<Int>, names: [String], nameBase: Int = 0) throws(CronError) -> Set<Int> {
        var out = Set<Int>()
        var offset = f.1
        for part in f.0.split(separator: ",", omittingEmptySubsequences: false) {
            defer { offset += part.count + 1 }
            guard !part.isEmpty else { throw CronError(position: offset, message: "empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw CronError(position: offset, message: "more than one '/' in '\(part)'") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0, s <= range.upperBound else {
                    throw CronError(position: offset + pieces[0].count + 1, message: "'\(pieces[1])' is not a step from 1 to \(range.upperBound)")
                }
                step = s
            }
            let base = pieces[0]
            var low = range.lowerBound, high = range.upperBound
            if base != "*" {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2 else { throw CronError(position: offset, message: "'\(base)' is not a value or a range") }
                low = try value(bounds[0], offset, range, names, nameBase)
                high = bounds.count == 2 ? try value(bounds[1], offset + bounds[0].count + 1, range, names, nameBase) : (pieces.count == 2 ? range.upperBound : low)
                guard low <= high else { throw CronError(position: offset, message: "range \(base) runs backwards") }
            }
            for v in stride(from: low, through: high, by: step) { out.insert(v) }
        }
        return out
    }

    private static func value(_ s: Substring, _ pos: Int, _ range: ClosedRange<Int>, _ names: [String], _ nameBase: Int) throws(CronError) -> Int {
        if let n = Int(s) {
            guard range.contains(n) else { throw CronError(position: pos, message: "\(n) is outside \(range.lowerBound)–\(range.upperBound)") }
            return n
        }
        if let i = names.firstIndex(of: s.uppercased()) { return i + nameBase }
        throw CronError(position: pos, message: "'\(s)' is not a number\(names.isEmpty ? "" : " or a name (\(names.joined(separator: " ")))")")
    }

    /// The first time strictly after `after` that matches, in `timeZone`; nil if none within 8 years.
    public func next(after: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: after)
        var t = Local(year: c.year!, month: c.month!, day: c.day!, hour: c.hour!, minute: c.minute!)
        t.addMinute()
        let limit = t.year + 8
        while t.year <= limit {
            if !months.contains(t.month) { t.nextMonth(); continue }
            if !dayMatches(t) { t.nextDay(); continue }
            if !hours.contains(t.hour) { t.nextHour(); continue }
            if !minutes.contains(t.minute) { t.addMinute(); continue }
            let date = calendar.date(from: DateComponents(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute))!
            // A repeated wall-clock time (fall-back) resolves to its first instant, which may be in the past: skip it.
            if date > after { return date }
            t.addMinute()
        }
        return nil
    }

    /// The next `count` times after `after`.
    public func preview(after: Date, in timeZone: TimeZone, count: Int) -> [Date] {
        var out: [Date] = []
        var from = after
        while out.count < count, let d = next(after: from, in: timeZone) {
            out.append(d)
            from = d
        }
        return out
    }

    private func dayMatches(_ t: Local) -> Bool {
        let dom = days.contains(t.day), dow = weekdays.contains(t.weekday)
        // Classic cron: when both are restricted, either may match.
        if daysRestricted && weekdaysRestricted { return dom || dow }
        if daysRestricted { return dom }
        if weekdaysRestricted { return dow }
        return true
    }

    /// Wall-clock time, advanced field by field.
    struct Local {
        var year, month, day, hour, minute: Int

        var weekday: Int {
            // Sakamoto's method: 0 = Sunday.
            let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
            let y = month < 3 ? year - 1 : year
            return (y + y / 4 - y / 100 + y / 400 + t[month - 1] + day) % 7
        }

        static func daysIn(_ month: Int, _ year: Int) -> Int {
            switch month {
            case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        mutating func nextMonth() {
            month += 1
            if month > 12 { month = 1; year += 1 }
            day = 1; hour = 0; minute = 0
        }

        mutating func nextDay() {
            day += 1
            if day > Local.daysIn(month, year) { nextMonth() } else { hour = 0; minute = 0 }
        }

        mutating func nextHour() {
            hour += 1
            minute = 0
            if hour > 23 { nextDay() }
        }

        mutating func addMinute() {
            minute += 1
            if minute > 59 { nextHour() }
        }
    }
}
