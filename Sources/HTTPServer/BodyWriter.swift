import Core
import Synchronization

// A streamed response body, both sides: `BodyWriter` is what the handler's task writes with; `BodyStream` is the
// loop's side of it (the producing task, how the body ends); `Backpressure` parks writers while the client is behind.

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

/// The loop's side of one streamed response body: the task producing it, and how the body ends.
/// Kept by the connection while it is in phase `.streaming`.
struct BodyStream {
    let chunked: Bool
    let task: Task<Void, Never>

    /// Runs `produce` on a task. When it returns, the connection hears whether the body came out whole
    /// (`Connection.streamEnded`), if it is still streaming this response.
    init(_ produce: @escaping @Sendable (BodyWriter) async throws -> Void, chunked: Bool, length: Int?, on c: Connection) {
        let writer = BodyWriter(handle: c.handle, chunked: chunked)
        let seq = c.sequence, handle = c.handle, logger = c.loop.shared.logger
        self.chunked = chunked
        task = Task {
            var failed = false
            do { try await produce(writer) } catch {
                failed = true
                if !(error is ConnectionClosedError) {
                    logger.warn("http.stream_failed", ["error": String(describing: error)])
                }
            }
            let incomplete = failed || (length != nil && writer.bytesWritten() != length)
            handle.run { c in
                guard let c, c.sequence == seq, c.phase == .streaming else { return }
                c.streamEnded(incomplete: incomplete)
            }
        }
    }

    /// What follows the last byte of a complete body: the last chunk, or nothing.
    var end: [UInt8]? { chunked ? BodyStream.lastChunk : nil }

    /// The client is gone: stop producing for it.
    func cancel() { task.cancel() }

    private static let lastChunk = Array("0\r\n\r\n".utf8)
}

/// Writers (a streamed body's, a WebSocket's sends) parked until the client has read most of what is queued.
struct Backpressure {
    /// Output queued above which a writer waits.
    static let highWater = 256 * 1024
    private var waiters: [CheckedContinuation<Void, Error>] = []

    /// After `writer`'s bytes were queued: it goes on now, or once the output has drained.
    mutating func admit(_ writer: CheckedContinuation<Void, Error>, pendingOutput: Int) {
        if pendingOutput > Backpressure.highWater { waiters.append(writer) } else { writer.resume() }
    }

    /// Output was sent: resume the waiting writers once it is below half the high-water mark.
    mutating func drained(pendingOutput: Int) {
        guard !waiters.isEmpty, pendingOutput <= Backpressure.highWater / 2 else { return }
        let ready = waiters
        waiters.removeAll()
        for w in ready { w.resume() }
    }

    /// The connection closed: every waiting writer learns it.
    mutating func fail() {
        guard !waiters.isEmpty else { return }
        let ready = waiters
        waiters.removeAll()
        for w in ready { w.resume(throwing: ConnectionClosedError()) }
    }
}
