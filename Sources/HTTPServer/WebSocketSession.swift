import Core

/// The loop-side state of a WebSocket connection: frame parsing, fragments, the closing handshake.
final class WebSocketSession {
    let socket: WebSocket
    let maxMessage: Int
    private var fragments: [UInt8] = []
    private var fragmentOpcode: UInt8 = 0
    private(set) var closeSent = false
    private var closeSentAt: UInt64 = 0
    private var finished = false
    /// When the peer last sent a frame, and when we pinged it since (0: not waiting for a pong).
    private var heardAt: UInt64
    private var pingSentAt: UInt64 = 0
    let pingInterval: UInt64

    init(socket: WebSocket, maxMessage: Int, pingInterval: Double, now: UInt64) {
        self.socket = socket
        self.maxMessage = maxMessage
        self.pingInterval = UInt64(max(0.05, pingInterval) * 1e9)
        heardAt = now
    }

    var acceptsInput: Bool { !finished && socket.queuedBytes < WebSocket.inboxHighWater }
    /// The next moment something must happen: the close handshake gives up, a ping is due, or the pong is overdue.
    var deadline: UInt64 {
        if closeSent { return closeSentAt + 5_000_000_000 }
        if finished { return 0 }
        return (pingSentAt != 0 ? pingSentAt : heardAt) + pingInterval
    }

    /// The deadline passed: true when the connection should be dropped (close unanswered, or no pong), else a ping
    /// was sent.
    func timedOut(_ c: Connection) -> Bool {
        if closeSent || finished || pingSentAt != 0 {
            if !closeSent && !finished {
                c.loop.shared.logger.debug("websocket.peer_silent", ["request_id": socket.request.requestID])
            }
            return true
        }
        pingSentAt = c.loop.now
        c.append(WebSocketFrame.encode(opcode: 0x9, Array("keepalive".utf8)))
        c.flush()
        return false
    }

    /// Parses every complete frame in the connection's input.
    func consume(_ c: Connection) {
        while !finished {
            let header: WebSocketFrame.Header
            switch WebSocketFrame.decodeHeader(c.inbound, at: c.readIndex) {
            case .needMore: return
            case .invalid(let code, let reason): return fail(c, code, reason)
            case .header(let h): header = h
            }
            let fin = header.fin, opcode = header.opcode, length = header.length
            if !header.isControl {
                if opcode == 0 && fragmentOpcode == 0 { return fail(c, 1002, "continuation frame without a message") }
                if opcode != 0 && fragmentOpcode != 0 { return fail(c, 1002, "new message before the previous one ended") }
                if UInt64(fragments.count) + length > UInt64(maxMessage) {
                    return fail(c, 1009, "message exceeds \(maxMessage) bytes")
                }
            }
            // Lengths are bounded here (control ≤ 125, data ≤ maxMessage), so the sizes below cannot overflow.
            guard let (payload, total) = WebSocketFrame.payload(c.inbound, at: c.readIndex, header) else { return }
            c.readIndex += total
            heardAt = c.loop.now  // any frame, a pong included, shows the peer is there
            pingSentAt = 0
            switch opcode {
            case 0x1, 0x2:
                if fin { deliver(c, opcode, payload) } else {
                    fragmentOpcode = opcode
                    fragments = payload
                }
            case 0x0:
                fragments += payload
                if fin {
                    let message = fragments
                    fragments = []
                    let op = fragmentOpcode
                    fragmentOpcode = 0
                    deliver(c, op, message)
                }
            case 0x8:
                receivedClose(c, payload)
            case 0x9:
                if !closeSent { c.append(WebSocketFrame.encode(opcode: 0xA, payload)) }
            default:
                break  // pong, unsolicited or not: nothing to do
            }
        }
    }

    private func deliver(_ c: Connection, _ opcode: UInt8, _ payload: [UInt8]) {
        if opcode == 0x1 {
            guard let text = String(validating: payload, as: UTF8.self) else { return fail(c, 1007, "text message is not valid UTF-8") }
            socket.enqueue(.text(text))
        } else {
            socket.enqueue(.binary(payload))
        }
    }

    private func receivedClose(_ c: Connection, _ payload: [UInt8]) {
        var code: UInt16?
        if payload.count == 1 { return fail(c, 1002, "close frame with a one-byte payload") }
        if payload.count >= 2 {
            let value = UInt16(payload[0]) << 8 | UInt16(payload[1])
            guard WebSocketSession.isValidCloseCode(value) else { return fail(c, 1002, "invalid close code \(value)") }
            guard String(validating: payload[2...], as: UTF8.self) != nil else { return fail(c, 1007, "close reason is not valid UTF-8") }
            code = value
        }
        if !closeSent {
            closeSent = true
            c.append(WebSocketFrame.encode(opcode: 0x8, code.map { WebSocketFrame.closePayload(code: $0, reason: "") } ?? []))
        }
        end(c, closeCode: code ?? 1005)
    }

    /// A protocol violation: close with `code` and stop reading.
    private func fail(_ c: Connection, _ code: UInt16, _ reason: String) {
        c.loop.shared.logger.debug("websocket.protocol_error", ["request_id": socket.request.requestID, "code": "\(code)", "reason": reason])
        if !closeSent {
            closeSent = true
            c.append(WebSocketFrame.encode(opcode: 0x8, WebSocketFrame.closePayload(code: code, reason: reason)))
        }
        end(c, closeCode: code)
    }

    private func end(_ c: Connection, closeCode: UInt16) {
        finished = true
        socket.finish(closeCode: closeCode)
        c.closeAfterWriting()
    }

    func sendClose(_ c: Connection, code: UInt16, reason: String) {
        guard !closeSent, !finished else { return }
        closeSent = true
        closeSentAt = c.loop.now
        c.append(WebSocketFrame.encode(opcode: 0x8, WebSocketFrame.closePayload(code: code, reason: reason)))
        c.flush()
        c.updateDeadline()
    }

    func connectionClosed() {
        finished = true
        socket.finish(closeCode: 1006)
    }

    static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}
