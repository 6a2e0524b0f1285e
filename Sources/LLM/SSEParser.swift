/// Splits a Server-Sent Events byte stream into events' data, tolerating what gateways send in the wild:
/// comment and keep-alive lines, CRLF line ends, `data:` with or without a space, and blank data.
public struct SSEParser: Sendable {
    private var pending: [UInt8] = []
    private var data: [String] = []
    /// A line longer than this is dropped (a provider gone wrong must not grow memory without bound).
    public let maxLineBytes: Int

    public init(maxLineBytes: Int = 4 * 1024 * 1024) { self.maxLineBytes = maxLineBytes }

    /// Feeds bytes; returns the `data` of every event completed by them.
    public mutating func feed(_ bytes: [UInt8]) -> [String] {
        pending += bytes
        var events: [String] = []
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
        var events: [String] = []
        if !pending.isEmpty { line(pending, into: &events); pending = [] }
        line([], into: &events)
        return events
    }

    private mutating func line(_ bytes: [UInt8], into events: inout [String]) {
        if bytes.isEmpty {
            if !data.isEmpty { events.append(data.joined(separator: "\n")) }
            data = []
            return
        }
        if bytes[0] == 0x3A { return }  // ": keep-alive" comment
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("data:") else { return }  // event:, id:, retry: carry nothing we use
        var value = text.dropFirst(5)
        if value.first == " " { value = value.dropFirst() }
        data.append(String(value))
    }
}
