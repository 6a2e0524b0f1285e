import Foundation

/// Plain-English schedules → cron, for the offline engine: "every morning at 8", "every 15 minutes",
/// "every weekday at 9:30am", "daily at 18:00", "every monday at 7", "hourly", `cron "*/5 * * * *"`,
/// with an optional IANA zone ("in Europe/Zurich").
public enum SchedulePhrase {
    public struct Parsed: Sendable, Equatable {
        public var cron: String
        public var timezone: String?
        public init(cron: String, timezone: String?) {
            self.cron = cron
            self.timezone = timezone
        }
    }

    public static func parse(_ text: String) -> Parsed? {
        let lower = text.lowercased()
        let zone = timezone(in: text)
        // An explicit expression wins.
        for quote in ["\"", "`", "'"] {
            let parts = text.components(separatedBy: quote)
            if parts.count >= 3 {
                let inner = parts[1].trimmingCharacters(in: .whitespaces)
                if (try? CronExpression(inner)) != nil { return Parsed(cron: inner, timezone: zone) }
            }
        }
        let words = lower.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" }).map(String.init)
        func after(_ w: String) -> String? { words.firstIndex(of: w).flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil } }
        if lower.contains("every minute") { return Parsed(cron: "* * * * *", timezone: zone) }
        if let i = words.firstIndex(of: "every"), i + 2 < words.count, let n = Int(words[i + 1]), n > 0 {
            let unit = words[i + 2]
            if unit.hasPrefix("minute"), n < 60 { return Parsed(cron: "*/\(n) * * * *", timezone: zone) }
            if unit.hasPrefix("hour"), n < 24 { return Parsed(cron: "0 */\(n) * * *", timezone: zone) }
        }
        if lower.contains("every hour") || words.contains("hourly") { return Parsed(cron: "0 * * * *", timezone: zone) }
        var time = clock(after("at") ?? "") ?? clock(words.first(where: { $0.hasSuffix("am") || $0.hasSuffix("pm") }) ?? "")
        if time == nil {
            if lower.contains("morning") { time = (8, 0) } else if lower.contains("evening") { time = (18, 0) }
            else if lower.contains("night") || lower.contains("midnight") { time = (0, 0) } else if lower.contains("noon") { time = (12, 0) }
        }
        let days = ["sunday": "SUN", "monday": "MON", "tuesday": "TUE", "wednesday": "WED", "thursday": "THU", "friday": "FRI", "saturday": "SAT"]
        var dow = "*"
        if lower.contains("weekday") { dow = "MON-FRI" } else if lower.contains("weekend") { dow = "SAT,SUN" } else {
            let named = days.filter { lower.contains($0.key) }.map(\.value)
            if !named.isEmpty { dow = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"].filter(named.contains).joined(separator: ",") }
        }
        let recurring = words.contains("every") || words.contains("daily") || words.contains("each") || lower.contains("every day")
            || words.contains("weekly") || dow != "*"
        guard recurring else { return nil }
        if words.contains("weekly") && dow == "*" { dow = "MON" }
        let (h, m) = time ?? (dow == "*" && !lower.contains("day") && !words.contains("daily") ? (-1, -1) : (0, 0))
        guard h >= 0 else { return nil }
        return Parsed(cron: "\(m) \(h) * * \(dow)", timezone: zone)
    }

    /// "8", "8am", "9:30", "9:30pm", "18:00", "noon".
    static func clock(_ word: String) -> (Int, Int)? {
        var w = word.trimmingCharacters(in: CharacterSet(charactersIn: ".,;:!?"))
        guard !w.isEmpty else { return nil }
        if w == "noon" { return (12, 0) }
        if w == "midnight" { return (0, 0) }
        var pm = false, am = false
        if w.hasSuffix("pm") { pm = true; w.removeLast(2) } else if w.hasSuffix("am") { am = true; w.removeLast(2) }
        let parts = w.split(separator: ":").map(String.init)
        guard (1...2).contains(parts.count), var h = Int(parts[0]) else { return nil }
        let m = parts.count == 2 ? Int(parts[1]) : 0
        guard let m, (0...59).contains(m) else { return nil }
        if pm && h < 12 { h += 12 }
        if am && h == 12 { h = 0 }
        guard (0...23).contains(h) else { return nil }
        return (h, m)
    }

    /// The first word that names an IANA zone (Europe/Zurich, America/New_York, UTC).
    static func timezone(in text: String) -> String? {
        for raw in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "(" || $0 == ")" }) {
            let w = raw.trimmingCharacters(in: CharacterSet(charactersIn: ".,;:!?\"'"))
            if w.contains("/") && !w.contains(":"), TimeZone(identifier: w) != nil { return w }
            if w == "UTC" { return "UTC" }
        }
        return nil
    }
}
