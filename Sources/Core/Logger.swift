import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case debug, info, warn, error

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warn: "warn"
        case .error: "error"
        }
    }

    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = level
    }
}

public enum LogFormat: String, Sendable, CaseIterable {
    case logfmt, json
}

/// Where log lines go. One `write(2)` per line so lines from many threads never interleave.
public final class LogSink: Sendable {
    public let level: LogLevel
    public let format: LogFormat
    private let fd: Int32
    private let captured: LineBuffer?

    public init(level: LogLevel = .info, format: LogFormat = .logfmt, fd: Int32 = 2) {
        self.level = level
        self.format = format
        self.fd = fd
        self.captured = nil
    }

    /// A sink that keeps lines in memory, for tests.
    public init(capturingAt level: LogLevel, format: LogFormat = .logfmt) {
        self.level = level
        self.format = format
        self.fd = -1
        self.captured = LineBuffer()
    }

    public var capturedLines: [String] { captured?.lines.withLock { $0 } ?? [] }

    func emit(_ line: String) {
        if let captured {
            captured.lines.withLock { $0.append(line) }
            return
        }
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}

/// A structured logger: one line per event, `key=value` (logfmt) or JSON, with fixed fields such as a request id.
public struct Logger: Sendable {
    public let sink: LogSink
    private let fields: [(String, String)]

    public init(sink: LogSink, fields: [(String, String)] = []) {
        self.sink = sink
        self.fields = fields
    }

    /// A logger that adds `fields` to every line it writes.
    public func with(_ more: KeyValuePairs<String, String>) -> Logger {
        Logger(sink: sink, fields: fields + more.map { ($0.key, $0.value) })
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= sink.level }

    public func debug(_ event: String, _ kv: KeyValuePairs<String, String> = [:]) { log(.debug, event, kv) }
    public func info(_ event: String, _ kv: KeyValuePairs<String, String> = [:]) { log(.info, event, kv) }
    public func warn(_ event: String, _ kv: KeyValuePairs<String, String> = [:]) { log(.warn, event, kv) }
    public func error(_ event: String, _ kv: KeyValuePairs<String, String> = [:]) { log(.error, event, kv) }

    public func log(_ level: LogLevel, _ event: String, _ kv: KeyValuePairs<String, String>) {
        guard level >= sink.level else { return }
        var all: [(String, String)] = [("ts", Clock.iso8601Now()), ("level", level.name), ("event", event)]
        all += fields
        all += kv.map { ($0.key, $0.value) }
        sink.emit(Logger.render(all, format: sink.format))
    }

    static func render(_ pairs: [(String, String)], format: LogFormat) -> String {
        switch format {
        case .json:
            return "{" + pairs.map { JSONText.quote($0.0) + ":" + JSONText.quote($0.1) }.joined(separator: ",") + "}"
        case .logfmt:
            return pairs.map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ")
        }
    }

    static func logfmtValue(_ v: String) -> String {
        if v.isEmpty { return "\"\"" }
        let needsQuotes = v.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.value < 0x20 }
        return needsQuotes ? JSONText.quote(v) : v
    }
}

final class LineBuffer: Sendable {
    let lines = Locked<[String]>([])
}
