import Foundation
import HTTPServer
import Testing
import TestSupport

@Suite struct RoutingTests {
    @Test func pathParametersQueryAndStaticPrecedence() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/items/a%20b?q=x%2By+z"))
            #expect(try await c.readResponse().text == "item=a b q=x+y z")
            try c.send(get("/items/special"))
            #expect(try await c.readResponse().text == "static wins")
            try c.send(get("/items/7/parts/9"))
            #expect(try await c.readResponse().text == "7/9")
            try c.send(get("/files/a/b%2Fc/d.txt"))
            #expect(try await c.readResponse().text == "rest=a/b%2Fc/d.txt")
        }
    }

    /// A route added twice would let the later handler win unnoticed: the router stops instead (a child process here).
    @Test func aRouteAddedTwiceStopsTheProgram() async {
        var r = Router()
        r.get("/twice/:id") { _ in .text("a") }
        r.post("/twice/:id") { _ in .text("another method is another route") }
        r.get("/twice/:id/more") { _ in .text("another path") }
        #expect(r.patterns.count == 3)
        await #expect(processExitsWith: .failure) {
            var r = Router()
            r.get("/twice/:id") { _ in .text("a") }
            r.get("/twice/:id/") { _ in .text("b") }
        }
        await #expect(processExitsWith: .failure) {
            var r = Router()
            r.get("/files/*rest") { _ in .text("a") }
            r.get("/files/*rest") { _ in .text("b") }
        }
    }

    @Test func notFoundAndMethodNotAllowedUseTheErrorEnvelope() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/nothing/here"))
            let notFound = try await c.readResponse()
            #expect(notFound.status == 404)
            #expect(notFound.header("Content-Type") == "application/json")
            let obj = try JSONSerialization.jsonObject(with: Data(notFound.body)) as? [String: [String: String]]
            #expect(obj?["error"]?["code"] == "not_found")
            #expect(obj?["error"]?["message"]?.isEmpty == false)

            try c.send("DELETE /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let notAllowed = try await c.readResponse()
            #expect(notAllowed.status == 405)
            #expect(notAllowed.header("Allow") == "GET, HEAD, OPTIONS")
            #expect(notAllowed.text.contains("\"method_not_allowed\""))

            try c.send("OPTIONS /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let options = try await c.readResponse()
            #expect(options.status == 204)
            #expect(options.header("Allow") == "OPTIONS, POST")
        }
    }

    @Test func headAnswersHeadersWithoutBody() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send("HEAD /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let r = try await c.readResponse(head: true)
            #expect(r.status == 200)
            #expect(r.header("Content-Length") == "5")
            // The next response must start right away: no body bytes were sent for HEAD.
            try c.send(get("/hello"))
            #expect(try await c.readResponse().text == "hello")
        }
    }

    @Test func everyResponseCarriesDateAndRequestID() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/hello"))
            let r = try await c.readResponse()
            #expect(r.header("Date")?.hasSuffix("GMT") == true)
            #expect((r.header("X-Request-Id") ?? "").count >= 5)
            try c.send(get("/hello", "X-Request-Id: client-abc.123\r\n"))
            #expect(try await c.readResponse().header("X-Request-Id") == "client-abc.123")
            try c.send(get("/nope", "X-Request-Id: bad id with spaces\r\n"))
            #expect(try await c.readResponse().header("X-Request-Id") != "bad id with spaces")
        }
    }

    @Test func handlerErrorsBecomeEnvelopes() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/fail"))
            let r = try await c.readResponse()
            #expect(r.status == 500)
            #expect(r.text.contains("internal_error"))
            #expect(r.text.contains(r.header("X-Request-Id")!))
            try c.send(get("/teapot"))
            let t = try await c.readResponse()
            #expect(t.status == 418)
            #expect(t.text == #"{"error":{"code":"teapot","message":"I am a teapot."}}"#)
        }
    }

    @Test func responseHeadersCannotBeSplit() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/inject"))
            let r = try await c.readResponse()
            #expect(r.status == 200)
            #expect(r.header("Set-Cookie") == nil)
            #expect(r.header("X-Evil") == "a  Set-Cookie: pwned=1")
            #expect(r.header("Bad Name") == nil)
            #expect(r.text == "ok")
        }
    }

    @Test func malformedPercentEscapeIs400() async throws {
        try await withServer { server in
            let c = try RawClient(port: server.port)
            try c.send(get("/items/%zz"))
            #expect(try await c.readResponse().status == 400)
        }
    }
}
