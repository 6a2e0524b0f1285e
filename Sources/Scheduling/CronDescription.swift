import Foundation

/// Plain-English descriptions of cron expressions, for the CLI and the dashboard: "at 08:00 on Monday to Friday".
extension CronExpression {
    /// The description of `text`, or why it is invalid.
    public static func describe(_ text: String) -> String {
        do { return try CronExpression(text).summary } catch { return "invalid: \(error.description)" }
    }

    public var summary: String {
        var parts = [time]
        if let d = dayPart { parts.append(d) }
        if months.count < 12 { parts.append("in " + list(months.sorted().map { CronExpression.monthWords[$0 - 1] })) }
        return parts.joined(separator: " ")
    }

    private var time: String {
        let m = minutes.sorted(), h = hours.sorted()
        if m.count == 60 && h.count == 24 { return "every minute" }
        if let k = CronExpression.step(m, 0...59), h.count == 24 { return "every \(k) minutes" }
        if m.count == 60 { return "every minute during " + list(h.map { String(format: "%02d:00–%02d:59", $0, $0) }) }
        if h.count == 24 { return m.count == 1 ? "every hour at minute \(m[0])" : "every hour at minutes " + list(m.map(String.init)) }
        if let k = CronExpression.step(h, 0...23), m.count == 1 { return "every \(k) hours at minute \(m[0])" }
        let times = h.flatMap { hour in m.map { String(format: "%02d:%02d", hour, $0) } }
        return times.count <= 8 ? "at " + list(times) : "at minutes \(list(m.map(String.init))) past hours \(list(h.map(String.init)))"
    }

    private var dayPart: String? {
        let names = CronExpression.dayWords
        var out: [String] = []
        if daysRestricted { out.append("on day " + list(days.sorted().map(String.init)) + " of the month") }
        if weekdaysRestricted {
            let w = weekdays.sorted()
            if w == [1, 2, 3, 4, 5] { out.append("on Monday to Friday") } else if w == [0, 6] { out.append("on weekends") } else {
                out.append("on " + list(w.map { names[$0] }))
            }
        }
        return out.isEmpty ? nil : out.joined(separator: " or ")
    }

    // English on every machine (Foundation's symbols follow the installed locale data).
    static let monthWords = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    static let dayWords = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// `k` when `values` are exactly every k-th value of `range` from its start (k > 1).
    static func step(_ values: [Int], _ range: ClosedRange<Int>) -> Int? {
        guard values.count > 1, values.first == range.lowerBound else { return nil }
        let k = values[1] - values[0]
        guard k > 1, values == Array(stride(from: range.lowerBound, through: range.upperBound, by: k)) else { return nil }
        return k
    }

    private func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}
