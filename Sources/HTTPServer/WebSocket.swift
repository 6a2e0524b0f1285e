import Core
import Crypto
import Foundation
import Synchronization

public enum WebSocketMessage: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
}

/// The server side of one WebSocket (RFC 6455). Receive with `receive()` or `for await m in ws.messages`;
/// pings are answered for you; `close` runs the closing handshake.
public final class WebSocket: Sendable {
    public let request: Request
    let handle: ConnectionHandle
    private let inbox = Locked(Inbox())

    struct Inbox {
        var queue: [WebSocketMessage] = []
        var head = 0
        var bytes = 0
        var waiter: CheckedContinuation<WebSocketMessage?, Never>?
        var finished = false
        var closeCode: UInt16?
    }

    /// Inbound bytes queued but not yet received above which the connection stops reading.
    static let inboxHighWater = 8 * 1024 * 1024

    init(handle: ConnectionHandle, request: Request) {
        self.handle = handle
        self.request = request
    }

    /// The next message, or nil once the connection is closed.
    public func receive() async -> WebSocketMessage? {
        var crossedLowWater = false
        let message = await withCheckedContinuation { (cont: CheckedContinuation<WebSocketMessage?, Never>) in
            let ready: WebSocketMessage?? = inbox.withLock { box in
                if box.head < box.queue.count {
                    let m = box.queue[box.head]
                    box.head += 1
                    if box.head > 64 && box.head * 2 > box.queue.count {
                        box.queue.removeFirst(box.head)
                        box.head = 0
                    }
                    let before = box.bytes
                    box.bytes -= WebSocket.size(m)
                    crossedLowWater = before >= WebSocket.inboxHighWater && box.bytes < WebSocket.inboxHighWater
                    return .some(m)
                }
                if box.finished { return .some(nil) }
                box.waiter = cont
                return nil
            }
            if let ready { cont.resume(returning: ready) }
        }
        // The loop stopped reading while the inbox was full; let it read again.
        if crossedLowWater { handle.run { c in c?.updateInterest() } }
        return message
    }

    public var messages: AsyncStream<WebSocketMessage> {
        AsyncStream(unfolding: { [self] in await self.receive() })
    }

    public func send(_ text: String) async throws { try await sendFrame(opcode: 0x1, Array(text.utf8)) }
    public func send(binary: [UInt8]) async throws { try await sendFrame(opcode: 0x2, binary) }

    /// Starts the closing handshake (no-op if already closing). The connection ends when the peer answers, or after 5 s.
    public func close(code: UInt16 = 1000, reason: String = "") async {
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            handle.run { c in
                if let c, let session = c.webSocket { session.sendClose(c, code: code, reason: reason) }
                cont.resume()
            }
        }
    }

    /// The close code the peer sent, once it did.
    public var closeCode: UInt16? { inbox.withLock { $0.closeCode } }

    var queuedBytes: Int { inbox.withLock { $0.bytes } }

    private func sendFrame(opcode: UInt8, _ payload: [UInt8]) async throws {
        let frame = WebSocketFrame.encode(opcode: opcode, payload)
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, Error>) in
            handle.run { c in
                guard let c, let session = c.webSocket, !session.closeSent else {
                    cont.resume(throwing: ConnectionClosedError())
                    return
                }
                c.streamWrite(frame, cont)
            }
        }
    }

    func enqueue(_ message: WebSocketMessage) {
        let waiter = inbox.withLock { box -> CheckedContinuation<WebSocketMessage?, Never>? in
            if let w = box.waiter {
                box.waiter = nil
                return w
            }
            box.queue.append(message)
            box.bytes += WebSocket.size(message)
            return nil
        }
        waiter?.resume(returning: message)
    }

    func finish(closeCode: UInt16?) {
        let waiter = inbox.withLock { box -> CheckedContinuation<WebSocketMessage?, Never>? in
            if box.closeCode == nil { box.closeCode = closeCode }
            box.finished = true
            let w = box.waiter
            box.waiter = nil
            return w
        }
        waiter?.resume(returning: nil)
    }

    private static func size(_ m: WebSocketMessage) -> Int {
        switch m {
        case .text(let s): s.utf8.count
        case .binary(let b): b.count
        }
    }
}

/// Validates an upgrade request and builds the 101 answer.
public enum WebSocketUpgrade {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    public static func response(for request: Request, _ run: @escaping @Sendable (WebSocket) async -> Void) throws -> Response {
        guard request.method == "GET", request.version == .http1_1 else {
            throw HTTPError(400, code: "bad_upgrade", message: "A WebSocket upgrade must be an HTTP/1.1 GET.")
        }
        guard request.headers.hasToken("Upgrade", "websocket"), request.headers.hasToken("Connection", "upgrade") else {
            throw HTTPError(426, code: "upgrade_required", message: "This endpoint speaks WebSocket: send 'Upgrade: websocket' and 'Connection: Upgrade'.",
                            headers: [("Upgrade", "websocket")])
        }
        guard request.headers["Sec-WebSocket-Version"] == "13" else {
            throw HTTPError(426, code: "unsupported_websocket_version", message: "Only WebSocket version 13 is supported.",
                            headers: [("Sec-WebSocket-Version", "13")])
        }
        guard let key = request.headers["Sec-WebSocket-Key"], let raw = Data(base64Encoded: key), raw.count == 16 else {
            throw HTTPError(400, code: "bad_upgrade", message: "Sec-WebSocket-Key must be 16 bytes in base64.")
        }
        let accept = Data(Digest.sha1(Array((key + guid).utf8))).base64EncodedString()
        return Response(status: 101, headers: HTTPHeaders([("Upgrade", "websocket"), ("Sec-WebSocket-Accept", accept)]),
                        body: .webSocket(run))
    }
}

extension Router {
    /// A WebSocket endpoint at `pattern` (GET with upgrade).
    public mutating func webSocket(_ pattern: String, _ run: @escaping @Sendable (WebSocket) async -> Void) {
        add("GET", pattern, .inline { request in try WebSocketUpgrade.response(for: request, run) })
    }
}

/// `package` where the fuzz target reads it.
package enum WebSocketFrame {
    /// A client frame's header (RFC 6455 §5.2), checked for what holds for any frame.
    package struct Header: Equatable {
        var fin: Bool
        var opcode: UInt8
        package var length: UInt64
        var headerLength: Int
        var isControl: Bool { opcode & 0x08 != 0 }
    }

    package enum HeaderResult: Equatable {
        case needMore
        case header(Header)
        /// A close code and the reason.
        case invalid(UInt16, String)
    }

    /// Decodes the header of the frame starting at `ri` (not its payload).
    package static func decodeHeader(_ b: [UInt8], at ri: Int) -> HeaderResult {
        let avail = b.count - ri
        guard avail >= 2 else { return .needMore }
        let b0 = b[ri], b1 = b[ri + 1]
        var headerLength = 2
        var length = UInt64(b1 & 0x7F)
        if length == 126 {
            guard avail >= 4 else { return .needMore }
            length = UInt64(b[ri + 2]) << 8 | UInt64(b[ri + 3])
            headerLength = 4
        } else if length == 127 {
            guard avail >= 10 else { return .needMore }
            length = 0
            for i in 0..<8 { length = length << 8 | UInt64(b[ri + 2 + i]) }
            headerLength = 10
            if length >> 63 != 0 { return .invalid(1002, "frame length has its top bit set") }
        }
        if b0 & 0x70 != 0 { return .invalid(1002, "reserved bits are set without an extension") }
        if b1 & 0x80 == 0 { return .invalid(1002, "client frames must be masked") }
        let header = Header(fin: b0 & 0x80 != 0, opcode: b0 & 0x0F, length: length, headerLength: headerLength)
        if header.isControl {
            guard header.opcode <= 0xA else { return .invalid(1002, "unknown opcode \(header.opcode)") }
            if length > 125 || !header.fin { return .invalid(1002, "control frames must be final and at most 125 bytes") }
        } else {
            guard header.opcode <= 0x2 else { return .invalid(1002, "unknown opcode \(header.opcode)") }
        }
        return .header(header)
    }

    /// The unmasked payload and the frame's total size, once all of it has arrived. The caller bounds the length first.
    package static func payload(_ b: [UInt8], at ri: Int, _ h: Header) -> ([UInt8], Int)? {
        let total = h.headerLength + 4 + Int(h.length)
        guard b.count - ri >= total else { return nil }
        let maskStart = ri + h.headerLength
        var payload = Array(b[(maskStart + 4)..<(ri + total)])
        for i in 0..<payload.count { payload[i] ^= b[maskStart + (i & 3)] }
        return (payload, total)
    }

    /// A server frame: final, unmasked.
    static func encode(opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x80 | opcode]
        let n = payload.count
        if n < 126 {
            frame.append(UInt8(n))
        } else if n <= 0xFFFF {
            frame += [126, UInt8(n >> 8), UInt8(n & 0xFF)]
        } else {
            frame.append(127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((UInt64(n) >> UInt64(shift)) & 0xFF)) }
        }
        frame += payload
        return frame
    }

    static func closePayload(code: UInt16, reason: String) -> [UInt8] {
        var reasonBytes = Array(reason.utf8)
        if reasonBytes.count > 123 { reasonBytes = Array(reasonBytes.prefix(123)) }
        return [UInt8(code >> 8), UInt8(code & 0xFF)] + reasonBytes
    }
}
