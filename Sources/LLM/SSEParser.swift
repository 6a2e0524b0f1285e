/// Splits a Server-Sent Events byte stream into events' data, tolerating what gateways send in the wild:
/// comment and keep-alive lines, CRLF line ends, `data:` with or without a space, and blank data.
public struct SSEParser: Sendable {
    /// One event: its `event:` name (`message` when it has none) and its data.
    public struct Event: Sendable, Equatable {
        public var name: String
        public var data: String
    }

    private var pending: [UInt8] = []
    private var data: [String] = []
    private var name = ""
    /// A line longer than this is dropped (a provider gone wrong must not grow memory without bound).
    public let maxLineBytes: Int

    public init(maxLineBytes: Int = 4 * 1024 * 1024) { self.maxLineBytes = maxLineBytes }

    /// Feeds bytes; returns the `data` of every event completed by them.
    public mutating func feed(_ bytes: [UInt8]) -> [String] { feedEvents(bytes).map(\.data) }

    /// Feeds bytes; returns every event completed by them, with its name.
    public mutating func feedEvents(_ bytes: [UInt8]) -> [Event] {
        pending += bytes
        var events: [Event] = []
        var start = 0
        var i = 0
        while i < pending.count {
            if pending[i] == 0x0A {
                var end = i
                if end > start, pending[end - 1] == 0x0D { end -= 1 }
                line(Array(pending[start..<end]), into: &events)
                start = i + 1
            }
            i += 1
        }
        pending.removeFirst(start)
        if pending.count > maxLineBytes { pending.removeAll() }
        return events
    }

    /// Ends the stream: an event not followed by a blank line still counts.
    public mutating func finish() -> [String] {
        var events: [Event] = []
        if !pending.isEmpty { line(pending, into: &events); pending = [] }
        line([], into: &events)
        return events.map(\.data)
    }

    private mutating func line(_ bytes: [UInt8], into events: inout [Event]) {
        if bytes.isEmpty {
            if !data.isEmpty { events.append(Event(name: name.isEmpty ? "message" : name, data: data.joined(separator: "\n"))) }
            data = []
            name = ""
            return
        }
        if bytes[0] == 0x3A { return }  // ": keep-alive" comment
        let text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("event:") {
            name = text.dropFirst(6).trimmingCharacters(in: .whitespaces)
            return
        }
        guard text.hasPrefix("data:") else { return }  // id:, retry: carry nothing we use
        var value = text.dropFirst(5)
        if value.first == " " { value = value.dropFirst() }
        data.append(String(value))
    }
}
