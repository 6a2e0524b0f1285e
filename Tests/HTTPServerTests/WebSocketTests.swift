import CNetShim
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPServer
import Testing
import TestSupport

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

    /// A quiet peer is pinged; one that answers stays, one that does not is dropped (a dead client behind a
    /// stream that only sends now and then would otherwise hold its connection for ever).
    @Test func silentPeersArePingedAndDroppedWhenTheyDoNotAnswer() async throws {
        var limits = testLimits()
        limits.webSocketPingInterval = 1
        try await withServer(limits: limits) { server in
            let port = server.port
            // The whole conversation, handshake included, runs on a thread of its own with blocking calls: answering
            // a ping in time must not depend on the cooperative pool, which the whole parallel suite shares.
            let log = try await offPool { () throws -> [String] in
                let raw = try RawClient(port: port)
                let fd = raw.fd
                try raw.send("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                var head: [UInt8] = []
                while !head.suffix(4).elementsEqual([13, 10, 13, 10]) { head += try WebSocketTests.exactly(fd, 1) }
                var log = [String(decoding: head.prefix(12), as: UTF8.self)]
                var (op, payload) = try WebSocketTests.readFrame(fd)
                log.append("opcode \(op)")
                guard op == 0x9 else { return log }
                try WebSocketTests.writeFrame(fd, 0xA, payload)  // answered: the connection stays
                try WebSocketTests.writeFrame(fd, 0x1, Array("still here".utf8))
                repeat {
                    (op, payload) = try WebSocketTests.readFrame(fd)
                    if op == 0x9 { try WebSocketTests.writeFrame(fd, 0xA, payload) }
                } while op == 0x9
                log.append(String(decoding: payload, as: UTF8.self))
                // Now silent: one more ping, then the server hangs up.
                log.append("opcode \(try WebSocketTests.readFrame(fd).0)")
                var byte: UInt8 = 0
                log.append(Glibc.read(fd, &byte, 1) == 0 ? "closed" : "still open")
                withExtendedLifetime(raw) {}  // its deinit closes fd
                return log
            }
            #expect(log == ["HTTP/1.1 101", "opcode 9", "echo:still here", "opcode 9", "closed"])
        }
    }

    static func exactly(_ fd: Int32, _ n: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: n), got = 0
        while got < n {
            let r = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + got, n - got) }
            guard r > 0 else { throw TestError("connection ended after \(got) of \(n) bytes") }
            got += r
        }
        return out
    }

    static func writeFrame(_ fd: Int32, _ opcode: UInt8, _ payload: [UInt8]) throws {
        let frame = WSClient.frame(opcode, payload)
        guard frame.withUnsafeBytes({ op_send(fd, $0.baseAddress, frame.count) }) == frame.count else {
            throw TestError("write failed: errno \(errno)")
        }
    }

    /// One unmasked server frame with a payload under 126 bytes, read with blocking calls.
    static func readFrame(_ fd: Int32) throws -> (UInt8, [UInt8]) {
        let head = try exactly(fd, 2)
        let length = Int(head[1] & 0x7F)
        guard length < 126 else { throw TestError("unexpected long frame") }
        return (head[0] & 0x0F, try exactly(fd, length))
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
