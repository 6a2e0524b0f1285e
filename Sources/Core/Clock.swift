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
        var t = time_t(ts.tv_sec)
        var parts = tm()
        gmtime_r(&t, &parts)
        let ms = Int(ts.tv_nsec / 1_000_000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), ms)
    }
}
