import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Monotonic and wall-clock time helpers that avoid Foundation allocations on hot paths.
public enum Clock {
    /// Monotonic nanoseconds; never goes backwards, unaffected by wall-clock changes.
    @inline(__always)
    public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Wall-clock time as `2026-11-23T09:12:50.123Z`.
    public static func iso8601Now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(seconds: Int(ts.tv_sec), millis: Int(ts.tv_nsec / 1_000_000))
    }

    /// `date` in the same form as `iso8601Now()`, so stored instants compare as strings.
    public static func iso8601(_ date: Date) -> String {
        let ms = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        let (q, r) = ms.quotientAndRemainder(dividingBy: 1000)
        return r < 0 ? format(seconds: q - 1, millis: r + 1000) : format(seconds: q, millis: r)
    }

    /// Parses the form above (and whole-second `…Z` instants).
    public static func date(iso8601 s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }

    static func format(seconds: Int, millis ms: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), ms)
    }
}
