import Synchronization

/// Writes a streamed response body. Each write waits while the client is slow to read (backpressure),
/// and throws `ConnectionClosedError` once the client is gone.
public struct BodyWriter: Sendable {
    let handle: ConnectionHandle
    let chunked: Bool
    private let counter = ByteCounter()

    init(handle: ConnectionHandle, chunked: Bool) {
        self.handle = handle
        self.chunked = chunked
    }

    public func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        counter.value.add(bytes.count, ordering: .relaxed)
        var frame: [UInt8]
        if chunked {
            frame = Array("\(String(bytes.count, radix: 16))\r\n".utf8)
            frame.reserveCapacity(frame.count + bytes.count + 2)
            frame += bytes
            frame += [0x0D, 0x0A]
        } else {
            frame = bytes
        }
        try await handle.write(frame)
    }

    public func write(_ text: String) async throws { try await write(Array(text.utf8)) }

    /// One Server-Sent Event (`text/event-stream`); multi-line data becomes several `data:` lines.
    public func writeEvent(data: String, event: String? = nil, id: String? = nil) async throws {
        var text = ""
        if let event { text += "event: \(event.replacingLineBreaks())\n" }
        if let id { text += "id: \(id.replacingLineBreaks())\n" }
        for line in data.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) { text += "data: \(line)\n" }
        try await write(text + "\n")
    }

    func bytesWritten() -> Int { counter.value.load(ordering: .relaxed) }
}

final class ByteCounter: Sendable {
    let value = Atomic<Int>(0)
}

extension ConnectionHandle {
    /// Queues bytes on the connection and returns once there is room for more.
    func write(_ bytes: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, Error>) in
            run { c in
                guard let c else { cont.resume(throwing: ConnectionClosedError()); return }
                c.streamWrite(bytes, cont)
            }
        }
    }
}
