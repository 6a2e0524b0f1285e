import App
import Auth
import Core
import Foundation
import HTTPServer
import Store
import Testing
import TestSupport

/// Auth is declared with the routes: a route added to the `/api/v1` group without a word about access gets the
/// API's rule, and a route under `/api/v1` declared outside the group stops the server before it serves.
@Suite struct AuthGroupTests {
    @Test func aNewRouteInTheAPIGroupNeedsCredentialsWithoutSayingSo() async throws {
        let dir = try TestPaths.temporaryDirectory("auth-group")
        let store = try AuthStore(db: try await TestDatabase.open(dir + "/a.sqlite", migrations: Schema.all))
        let admin = try store.setAdminToken()
        let (_, reader) = try store.createKey(name: "r", scopes: ["read"])
        let policy = AuthPolicy(store: store, exposed: false)
        var router = Router()
        router.defaultAccess = policy.pieces
        router.group("/api/v1", policy.api) { api in
            api.get("/api/v1/brand-new") { _ in .text("secret") }
            api.post("/api/v1/brand-new") { _ in .text("changed") }
            api.add("GET", "/api/v1/brand-new-inline", .inline { _ in .text("inline secret") })
        }
        #expect(router.access[Router.RouteKey(method: "GET", pattern: "/api/v1/brand-new")]?.scope == "read")
        #expect(router.access[Router.RouteKey(method: "POST", pattern: "/api/v1/brand-new")]?.scope == "write")
        let server = try HTTPServer(configuration: ServerConfiguration(port: 0, eventLoops: 1), router: router,
                                    logger: Logger(sink: LogSink(capturingAt: .error)))
        do {
            let c = try RawClient(port: server.port)
            func call(_ method: String, _ path: String, bearer: String? = nil) async throws -> RawResponse {
                let auth = bearer.map { "Authorization: Bearer \($0)\r\n" } ?? ""
                try c.send("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\(auth)\r\n")
                return try await c.readResponse()
            }
            // On loopback, where the Pieces API is open, the new API route still wants credentials.
            for path in ["/api/v1/brand-new", "/api/v1/brand-new-inline"] {
                let anonymous = try await call("GET", path)
                #expect(anonymous.status == 401)
                #expect(anonymous.text.contains("\"unauthorized\""))
                #expect(try await call("GET", path, bearer: "op_not_a_key").status == 401)
            }
            #expect(try await call("GET", "/api/v1/brand-new", bearer: reader).text == "secret")
            let readerWrites = try await call("POST", "/api/v1/brand-new", bearer: reader)
            #expect(readerWrites.status == 403)
            #expect(readerWrites.text.contains("needs 'write'"))
            #expect(try await call("POST", "/api/v1/brand-new", bearer: admin).text == "changed")
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test func aRouteUnderTheAPIDeclaredOutsideItsGroupStopsTheServer() async {
        await #expect(processExitsWith: .failure) {
            var router = Router()
            router.group("/api/v1", AccessRule { _, _ in RouteAccess(scope: "read", check: { _ in .text("no", status: 401) }) }) { api in
                api.get("/api/v1/inside") { _ in .text("in") }
            }
            router.get("/api/v1/stray") { _ in .text("out") }
            _ = RouterResponder(router)
        }
        await #expect(processExitsWith: .failure) {
            var router = Router()
            router.group("/api/v1", .open) { api in api.get("/elsewhere") { _ in .text("out") } }
        }
    }
}
