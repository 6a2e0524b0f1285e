import Crypto
import Foundation

/// A minimal WebSocket client over a raw socket: it masks its frames as RFC 6455 requires of clients.
public final class WSClient {
    public let raw: RawClient

    public init(port: Int, path: String = "/ws") async throws {
        raw = try RawClient(port: port)
        let key = Data(SecureRandom.bytes(16)).base64EncodedString()
        try raw.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: \(key)\r\n\r\n")
        let r = try await raw.readResponse()
        guard r.status == 101 else { throw TestError("upgrade answered \(r.status)") }
        let expected = Data(Digest.sha1(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
        guard r.header("Sec-WebSocket-Accept") == expected else { throw TestError("bad Sec-WebSocket-Accept") }
    }

    public static func frame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) -> [UInt8] {
        var f: [UInt8] = [(fin ? 0x80 : 0) | rsv | opcode]
        let m: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            f.append(m | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            f += [m | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            f.append(m | 127)
            for s in stride(from: 56, through: 0, by: -8) { f.append(UInt8((UInt64(payload.count) >> UInt64(s)) & 0xFF)) }
        }
        if masked {
            let key = SecureRandom.bytes(4)
            f += key
            f += payload.enumerated().map { $0.element ^ key[$0.offset & 3] }
        } else {
            f += payload
        }
        return f
    }

    public func send(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) throws {
        try raw.send(WSClient.frame(opcode, payload, fin: fin, masked: masked, rsv: rsv))
    }

    public func sendText(_ s: String) throws { try send(0x1, Array(s.utf8)) }

    /// Reads one server frame: (opcode, payload).
    public func read() async throws -> (UInt8, [UInt8]) {
        let h = try await raw.readBytes(2)
        guard h[1] & 0x80 == 0 else { throw TestError("server frames must never be masked") }
        var len = Int(h[1] & 0x7F)
        if len == 126 {
            let e = try await raw.readBytes(2)
            len = Int(e[0]) << 8 | Int(e[1])
        } else if len == 127 {
            let e = try await raw.readBytes(8)
            len = e.reduce(0) { $0 << 8 | Int($1) }
        }
        return (h[0] & 0x0F, try await raw.readBytes(len))
    }

    public func readCloseCode() async throws -> UInt16? {
        let (op, payload) = try await read()
        guard op == 0x8 else { throw TestError("expected a close frame, got opcode \(op)") }
        return payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
    }
}


extension WSClient {
    /// Reads frames until a text frame arrives; answers nothing else.
    public func readText() async throws -> String {
        while true {
            let (op, payload) = try await read()
            if op == 0x1 { return String(decoding: payload, as: UTF8.self) }
            if op == 0x8 { throw TestError("the server closed the WebSocket") }
        }
    }
}
