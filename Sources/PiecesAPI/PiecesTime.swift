import Core
import Foundation

/// Timestamps in the Pieces `GroupedTimestamp` shape: `{"value": ISO-8601, "readable": "…"}`.
enum PiecesTime {
    static func now() -> String { Clock.iso8601Now() }

    static func grouped(_ iso: String) -> JSONValue {
        ["value": .string(iso), "readable": .string(readable(iso))]
    }

    /// `2026-11-23T09:12:50.123Z` → `Nov 23, 2026 09:12 UTC`.
    static func readable(_ iso: String) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = iso.split(whereSeparator: { "-T:.Z".contains($0) }).compactMap { Int($0) }
        guard parts.count >= 5, (1...12).contains(parts[1]) else { return iso }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(months[parts[1] - 1]) \(parts[2]), \(parts[0]) \(two(parts[3])):\(two(parts[4])) UTC"
    }
}

enum IDs {
    static func make() -> String { UUID().uuidString.lowercased() }
}

enum ByteText {
    static func readable(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1024 * 1024 { return String(format: "%.1f KB", Double(n) / 1024) }
        return String(format: "%.1f MB", Double(n) / 1048576)
    }
}
