import Crypto
import Foundation
import HTTPServer
import Testing
import TestSupport

/// A minimal WebSocket client over a raw socket: it masks its frames as RFC 6455 requires of clients.
final class WSClient {
    let raw: RawClient

    init(port: Int, path: String = "/ws") async throws {
        raw = try RawClient(port: port)
        let key = Data(SecureRandom.bytes(16)).base64EncodedString()
        try raw.send("GET \(path) HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: \(key)\r\n\r\n")
        let r = try await raw.readResponse()
        guard r.status == 101 else { throw TestError("upgrade answered \(r.status)") }
        let expected = Data(Digest.sha1(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
        guard r.header("Sec-WebSocket-Accept") == expected else { throw TestError("bad Sec-WebSocket-Accept") }
    }

    static func frame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) -> [UInt8] {
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

    func send(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) throws {
        try raw.send(WSClient.frame(opcode, payload, fin: fin, masked: masked, rsv: rsv))
    }

    func sendText(_ s: String) throws { try send(0x1, Array(s.utf8)) }

    /// Reads one server frame: (opcode, payload).
    func read() async throws -> (UInt8, [UInt8]) {
        let h = try await raw.readBytes(2)
        #expect(h[1] & 0x80 == 0, "server frames are never masked")
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

    func readCloseCode() async throws -> UInt16? {
        let (op, payload) = try await read()
        guard op == 0x8 else { throw TestError("expected a close frame, got opcode \(op)") }
        return payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
    }
}

@Suite struct WebSocketTests {
    @Test func echoesTextAndBinary() async throws {
        try await withServer { server in
            let ws = try await WSClient(port: server.port)
            try ws.sendText("héllo")
            let (op, payload) = try await ws.read()
            #expect(op == 0x1)
            #expect(String(decoding: payload, as: UTF8.self) == "echo:héllo")
            try ws.send(0x2, [1, 2, 3])
            let (bop, bin) = try await ws.read()
            #expect(bop == 0x2)
            #expect(bin == [3, 2, 1])
            // A 70 KB message uses the 64-bit length form both ways.
            let big = String(repeating: "w", count: 70_000)
            try ws.sendText(big)
            let (_, echoed) = try await ws.read()
            #expect(echoed.count == 70_005)
        }
    }

    @Test func reassemblesFragmentsWithInterleavedPing() async throws {
        try await withServer { server in
            let ws = try await WSClient(port: server.port)
            try ws.send(0x1, Array("frag".utf8), fin: false)
            try ws.send(0x9, Array("are you there".utf8))  // control frames may interleave
            try ws.send(0x0, Array("men".utf8), fin: false)
            try ws.send(0x0, Array("ted".utf8), fin: true)
            let (pongOp, pong) = try await ws.read()
            #expect(pongOp == 0xA)
            #expect(String(decoding: pong, as: UTF8.self) == "are you there")
            let (op, payload) = try await ws.read()
            #expect(op == 0x1)
            #expect(String(decoding: payload, as: UTF8.self) == "echo:fragmented")
        }
    }

    @Test func closingHandshakeEchoesTheCode() async throws {
        try await withServer { server in
            let ws = try await WSClient(port: server.port)
            try ws.send(0x8, [0x03, 0xE8] + Array("bye".utf8))
            #expect(try await ws.readCloseCode() == 1000)
            #expect(await ws.raw.isClosedByPeer())
        }
    }

    @Test func serverInitiatedClose() async throws {
        try await withServer { server in
            let ws = try await WSClient(port: server.port)
            try ws.sendText("close-me")
            #expect(try await ws.readCloseCode() == 4000)
            try ws.send(0x8, [0x0F, 0xA0])
            #expect(await ws.raw.isClosedByPeer())
        }
    }

    @Test(arguments: [
        ("unmasked frame", WSClient.frame(0x1, Array("x".utf8), masked: false), UInt16(1002)),
        ("reserved bit", WSClient.frame(0x1, Array("x".utf8), rsv: 0x40), UInt16(1002)),
        ("unknown opcode", WSClient.frame(0x3, []), UInt16(1002)),
        ("fragmented ping", WSClient.frame(0x9, [], fin: false), UInt16(1002)),
        ("continuation without start", WSClient.frame(0x0, Array("x".utf8)), UInt16(1002)),
        ("invalid UTF-8 text", WSClient.frame(0x1, [0xC3, 0x28]), UInt16(1007)),
        ("invalid close code", WSClient.frame(0x8, [0x03, 0xED]), UInt16(1002)),
        ("one-byte close", WSClient.frame(0x8, [0x03]), UInt16(1002)),
    ])
    func protocolViolationsClose(_ name: String, _ frame: [UInt8], _ code: UInt16) async throws {
        try await withServer { server in
            let ws = try await WSClient(port: server.port)
            try ws.raw.send(frame)
            #expect(try await ws.readCloseCode() == code, "\(name)")
            #expect(await ws.raw.isClosedByPeer(), "\(name)")
        }
    }

    @Test func oversizedMessageCloses1009() async throws {
        var limits = testLimits()
        limits.maxWebSocketMessageBytes = 1000
        try await withServer(limits: limits) { server in
            let ws = try await WSClient(port: server.port)
            try ws.send(0x1, [UInt8](repeating: 0x61, count: 600), fin: false)
            try ws.send(0x0, [UInt8](repeating: 0x61, count: 600), fin: true)
            #expect(try await ws.readCloseCode() == 1009)
        }
    }

    @Test func upgradeValidation() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/ws"))
            #expect(try await c.readResponse().status == 426)
            try c.send(get("/ws", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"))
            let v = try await c.readResponse()
            #expect(v.status == 426)
            #expect(v.header("Sec-WebSocket-Version") == "13")
            try c.send(get("/ws", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n"))
            #expect(try await c.readResponse().status == 400)
        }
    }
}
