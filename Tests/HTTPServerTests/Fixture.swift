import Core
import Foundation
import HTTPServer
import TestSupport

/// Starts a real server on a free port with the test routes, runs `body`, shuts it down.
func withServer(limits: ServerLimits = testLimits(), loops: Int = 2,
                _ body: (HTTPServer) async throws -> Void) async throws {
    var router = Router()
    installTestRoutes(&router)
    try await withServer(router, limits: limits, loops: loops, sink: LogSink(capturingAt: .error), body)
}

/// Starts a real server with `router` on a free port, logging into `sink`, runs `body`, shuts it down.
func withServer(_ router: Router, limits: ServerLimits, loops: Int, sink: LogSink,
                _ body: (HTTPServer) async throws -> Void) async throws {
    let server = try HTTPServer(configuration: ServerConfiguration(port: 0, eventLoops: loops, limits: limits),
                                router: router, logger: Logger(sink: sink))
    do {
        try await body(server)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

func testLimits() -> ServerLimits {
    var l = ServerLimits()
    l.shutdownGrace = 3
    return l
}

func get(_ path: String, _ extra: String = "") -> String {
    "GET \(path) HTTP/1.1\r\nHost: test\r\n\(extra)\r\n"
}

struct Boom: Error {}

func installTestRoutes(_ r: inout Router) {
    r.add("GET", "/hello", .inline { _ in Response.text("hello") })
    r.get("/items/:id") { req in
        Response.text("item=\(req.parameter("id") ?? "-") q=\(req.query["q"] ?? "-")")
    }
    r.get("/items/:id/parts/:part") { req in
        Response.text("\(try req.require("id"))/\(try req.require("part"))")
    }
    r.get("/items/special") { _ in Response.text("static wins") }
    r.get("/files/*rest") { req in Response.text("rest=\(req.parameter("rest") ?? "")") }
    r.post("/echo") { req in
        var resp = Response(status: 200, body: .bytes(req.body))
        resp.headers.add("Content-Type", req.headers["Content-Type"] ?? "application/octet-stream")
        resp.headers.add("X-Body-Length", "\(req.body.count)")
        return resp
    }
    r.get("/slow") { req in
        let ms = Int(req.query["ms"] ?? "300") ?? 300
        try await Task.sleep(nanoseconds: UInt64(ms) * 1_000_000)
        return Response.text("slow \(ms)")
    }
    r.get("/stream") { _ in
        Response(status: 200, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: .stream(length: nil) { w in
            for part in ["alpha ", "beta ", "gamma"] {
                try await w.write(part)
                try await Task.sleep(nanoseconds: 20_000_000)
            }
        })
    }
    r.get("/sse") { _ in
        Response(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]), body: .stream(length: nil) { w in
            for i in 1...3 { try await w.writeEvent(data: "tick \(i)\nline two", event: "tick", id: "\(i)") }
        })
    }
    r.get("/big") { req in
        let size = Int(req.query["size"] ?? "1000000") ?? 1_000_000
        return Response(status: 200, body: .stream(length: size) { w in
            var sent = 0
            while sent < size {
                let n = min(65536, size - sent)
                try await w.write([UInt8](repeating: UInt8(ascii: "x"), count: n))
                sent += n
            }
        })
    }
    r.get("/inject") { _ in
        Response(status: 200, headers: HTTPHeaders([("X-Evil", "a\r\nSet-Cookie: pwned=1"), ("Bad Name", "x")]), body: .bytes(Array("ok".utf8)))
    }
    r.get("/fail") { _ in throw Boom() }
    r.get("/teapot") { _ in throw HTTPError(418, code: "teapot", message: "I am a teapot.") }
    r.webSocket("/ws") { ws in
        while let message = await ws.receive() {
            switch message {
            case .text(let t):
                if t == "close-me" { await ws.close(code: 4000, reason: "asked"); return }
                try? await ws.send("echo:" + t)
            case .binary(let b):
                try? await ws.send(binary: b.reversed())
            }
        }
    }
}
