import App
import Core
import Foundation
import HTTPClient
import HTTPServer
import Testing
import TestSupport

/// Authentication on the real binary: the admin token, dashboard sessions with CSRF, API keys with scopes,
/// the login rate limit, CORS, and the Pieces API's loopback rule.
@Suite(.serialized) struct AuthTests {
    let anonymous = HTTPClient()

    func send(_ c: HTTPClient, _ method: String, _ url: String, _ body: String? = nil, headers: [(String, String)] = []) async throws -> ClientResponse {
        try await c.send(ClientRequest(method: method, url: url, headers: [("Content-Type", "application/json")] + headers, body: body.map { Array($0.utf8) }))
    }

    /// Every `/api/v1` route of the product, with sample values for its parameters.
    func apiRoutes() throws -> [(String, String)] {
        let app = try Application(options: try ServeOptions.forTest("routes"), logger: Logger(sink: LogSink(capturingAt: .error)),
                                  environment: [:], listen: false)
        let open: Set<String> = ["/api/v1/auth/login", "/api/v1/auth/session", "/api/v1/version"]
        return app.routes.filter { $0.pattern.hasPrefix("/api/v1") && !open.contains($0.pattern) }.map { route in
            (route.method, route.pattern.split(separator: "/").map { $0.hasPrefix(":") || $0.hasPrefix("*") ? "x" : String($0) }.joined(separator: "/"))
        }.map { ($0.0, "/" + $0.1) }
    }

    @Test func everyAPIRouteRefusesMissingBadRevokedAndUnderScopedCredentials() async throws {
        let routes = try apiRoutes()
        #expect(routes.count > 50, "the whole API is covered: \(routes.count) routes")
        for path in ["/api/v1/services/x/versions", "/api/v1/services/x/versions/x/files", "/api/v1/services/x/diff"] {
            #expect(routes.contains { $0 == ("GET", path) }, "\(path) is gated like the rest of the API")
        }
        let home = try TestPaths.temporaryDirectory("auth")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await bin.waitUntilListening()
        let base = "http://127.0.0.1:\(bin.port)"
        let admin = HTTPClient(defaultHeaders: TestAuth.headers)
        func key(_ scopes: [String]) async throws -> (String, String) {
            let r = JSONValue.parse(try await send(admin, "POST", base + "/api/v1/api-keys", JSONValue.object(["name": "t", "scopes": .array(scopes.map { .string($0) })]).text).body)
            return (try #require(r?["id"]?.string), try #require(r?["key"]?.string))
        }
        let (_, readKey) = try await key(["read"])
        let (_, writeKey) = try await key(["write"])
        let (revokedID, revokedKey) = try await key(["admin"])
        #expect(try await send(admin, "DELETE", base + "/api/v1/api-keys/\(revokedID)").status == 204)

        for (method, path) in routes {
            let none = try await send(anonymous, method, base + path, "{}")
            #expect(none.status == 401, "\(method) \(path) without credentials: \(none.status)")
            #expect(none.header("WWW-Authenticate") == "Bearer")
            let bad = try await send(anonymous, method, base + path, "{}", headers: [("Authorization", "Bearer op_not_a_key")])
            #expect(bad.status == 401, "\(method) \(path) with a bad key: \(bad.status)")
            let revoked = try await send(anonymous, method, base + path, "{}", headers: [("Authorization", "Bearer \(revokedKey)")])
            #expect(revoked.status == 401, "\(method) \(path) with a revoked key: \(revoked.status)")
            let needsAdmin = ["/api/v1/api-keys", "/api/v1/settings", "/api/v1/webhooks"].contains { path.hasPrefix($0) }
            if method != "GET" || needsAdmin {
                let under = try await send(anonymous, method, base + path, "{}", headers: [("Authorization", "Bearer \(needsAdmin ? writeKey : readKey)")])
                #expect(under.status == 403, "\(method) \(path) with too narrow a key: \(under.status)")
                #expect(JSONValue.parse(under.body)?["error"]?["code"]?.string == "insufficient_scope")
            } else {
                let ok = try await send(anonymous, method, base + path, headers: [("Authorization", "Bearer \(readKey)")])
                #expect(ok.status != 401 && ok.status != 403, "\(method) \(path) with a read key: \(ok.status)")
            }
        }
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func keysAreShownOnceScopedAndRevocable() async throws {
        let home = try TestPaths.temporaryDirectory("keys")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await bin.waitUntilListening()
        let base = "http://127.0.0.1:\(bin.port)"
        let admin = HTTPClient(defaultHeaders: TestAuth.headers)
        let created = try await send(admin, "POST", base + "/api/v1/api-keys", #"{"name":"ci","scopes":["write"]}"#)
        #expect(created.status == 201)
        let body = try #require(JSONValue.parse(created.body))
        let key = try #require(body["key"]?.string)
        #expect(key.hasPrefix("op_"))
        #expect(body["scopes"] == ["read", "write"], "write implies read")
        #expect(try await send(admin, "POST", base + "/api/v1/api-keys", #"{"name":"x","scopes":["root"]}"#).status == 400)
        let listed = try await send(admin, "GET", base + "/api/v1/api-keys")
        #expect(!listed.text.contains(key), "a key is never shown again")
        #expect(listed.text.contains(String(key.prefix(9))))
        let user = HTTPClient(defaultHeaders: [("Authorization", "Bearer \(key)")])
        #expect(try await send(user, "POST", base + "/api/v1/brain", #"{"kind":"fact","text":"keys work"}"#).status == 201)
        let used = JSONValue.parse(try await send(admin, "GET", base + "/api/v1/api-keys").body)?["keys"]?[0]
        #expect(used?["lastUsed"]?.string != nil)
        #expect(try await send(user, "GET", base + "/api/v1/api-keys").status == 403, "admin routes need the admin scope")
        #expect(try await send(admin, "DELETE", base + "/api/v1/api-keys/\(used?["id"]?.string ?? "")").status == 204)
        #expect(try await send(user, "GET", base + "/api/v1/brain").status == 401, "revoked at once")
        // The CLI says what to do when it has no token.
        let (code, _, err) = try await runProduct(["services", "list", "--url", base], environment: ["OPENPIECES_TOKEN": ""])
        #expect(code == 1)
        #expect(err.contains("Set OPENPIECES_TOKEN"))
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func dashboardSessionsNeedCSRFAndFailedLoginsAreLimited() async throws {
        let home = try TestPaths.temporaryDirectory("session")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await bin.waitUntilListening()
        let base = "http://127.0.0.1:\(bin.port)"
        let login = try await send(anonymous, "POST", base + "/api/v1/auth/login", JSONValue.object(["token": .string(TestAuth.token)]).text)
        #expect(login.status == 200)
        let setCookie = try #require(login.header("Set-Cookie"))
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && !setCookie.contains("Secure"))
        let cookie = String(setCookie.split(separator: ";")[0])
        let csrf = try #require(JSONValue.parse(login.body)?["csrf"]?.string)
        #expect(try await send(anonymous, "GET", base + "/api/v1/services", headers: [("Cookie", cookie)]).status == 200)
        let session = JSONValue.parse(try await send(anonymous, "GET", base + "/api/v1/auth/session", headers: [("Cookie", cookie)]).body)
        #expect(session?["authenticated"]?.bool == true)
        #expect(session?["csrf"]?.string == csrf)
        let forged = try await send(anonymous, "POST", base + "/api/v1/brain", #"{"kind":"fact","text":"x"}"#, headers: [("Cookie", cookie)])
        #expect(forged.status == 403)
        #expect(JSONValue.parse(forged.body)?["error"]?["code"]?.string == "csrf")
        #expect(try await send(anonymous, "POST", base + "/api/v1/brain", #"{"kind":"fact","text":"x"}"#,
                               headers: [("Cookie", cookie), ("X-CSRF-Token", "wrong")]).status == 403)
        #expect(try await send(anonymous, "POST", base + "/api/v1/brain", #"{"kind":"fact","text":"x"}"#,
                               headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)]).status == 201)
        // CORS stays closed: a cross-origin preflight gets no allowance.
        let preflight = try await send(anonymous, "OPTIONS", base + "/api/v1/brain", headers: [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")])
        #expect(preflight.header("Access-Control-Allow-Origin") == nil)
        // Behind https (the public URL says so), the cookie is Secure too; the public URL can be set from the dashboard.
        let admin = HTTPClient(defaultHeaders: TestAuth.headers)
        #expect(try await send(admin, "PUT", base + "/api/v1/settings/public-url", #"{"publicUrl":"ftp://x"}"#).status == 400)
        let pub = JSONValue.parse(try await send(admin, "PUT", base + "/api/v1/settings/public-url", #"{"publicUrl":"https://pieces.example.com/"}"#).body)
        #expect(pub?["publicUrl"]?.string == "https://pieces.example.com")
        #expect(pub?["source"]?.string == "settings")
        let secure = try await send(anonymous, "POST", base + "/api/v1/auth/login", JSONValue.object(["token": .string(TestAuth.token)]).text)
        #expect(secure.header("Set-Cookie")?.contains("; Secure") == true)
        #expect(JSONValue.parse(try await send(admin, "DELETE", base + "/api/v1/settings/public-url").body)?["source"]?.string == "default")
        #expect(try await send(anonymous, "POST", base + "/api/v1/auth/logout", headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)]).status == 204)
        #expect(try await send(anonymous, "GET", base + "/api/v1/services", headers: [("Cookie", cookie)]).status == 401)

        for _ in 0..<5 {
            #expect(try await send(anonymous, "POST", base + "/api/v1/auth/login", #"{"token":"guess"}"#).status == 401)
        }
        let limited = try await send(anonymous, "POST", base + "/api/v1/auth/login", JSONValue.object(["token": .string(TestAuth.token)]).text)
        #expect(limited.status == 429, "even the right token waits once the limit is hit")
        #expect(Int(limited.header("Retry-After") ?? "") ?? 0 > 0)
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func firstStartPrintsATokenOnceAndPiecesNeedsAKeyBeyondLoopback() async throws {
        let home = try TestPaths.temporaryDirectory("first")
        var bin = try RunningBinary(["serve", "--port", "0", "--home", home], environment: ["OPENPIECES_ADMIN_TOKEN": ""])
        try await bin.waitUntilListening()
        let token = try #require(bin.startupLog.split(separator: "\n").first { $0.contains("│ op_admin_") }?
            .split(separator: " ").last.map(String.init))
        let base = "http://127.0.0.1:\(bin.port)"
        #expect(try await send(HTTPClient(defaultHeaders: [("Authorization", "Bearer \(token)")]), "GET", base + "/api/v1/services").status == 200)
        #expect(try await send(anonymous, "GET", base + "/assets").status == 200, "the Pieces API is open on loopback, as Pieces OS is")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
        #expect(!String(decoding: FileManager.default.contents(atPath: home + "/openpieces.sqlite") ?? Data(), as: UTF8.self).contains(token), "only a hash is kept")

        // Listening beyond loopback: the same token still works, nothing new is printed, and Pieces needs a key.
        bin = try RunningBinary(["serve", "--port", "0", "--host", "0.0.0.0", "--home", home], environment: ["OPENPIECES_ADMIN_TOKEN": ""])
        try await bin.waitUntilListening()
        let exposed = "http://127.0.0.1:\(bin.port)"
        #expect(!bin.startupLog.contains("op_admin_"))
        #expect(try await send(anonymous, "GET", exposed + "/assets").status == 401)
        #expect(try await send(anonymous, "GET", exposed + "/assets", headers: [("Authorization", "Bearer \(token)")]).status == 200)
        #expect(try await send(anonymous, "GET", exposed + "/.well-known/health").status == 200)
        // The health stream is a client's session, not a probe: it needs the key too.
        for (credential, expected) in [("", 401), ("Authorization: Bearer \(token)\r\n", 101)] {
            let raw = try RawClient(port: bin.port)
            try raw.send("GET /.well-known/stream/health HTTP/1.1\r\nHost: 127.0.0.1:\(bin.port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\(credential)\r\n")
            #expect(try await raw.readResponse(head: true).status == expected)
        }
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()

        // A lost token is replaced from the command line.
        let (code, fresh, _) = try await runProduct(["admin-token", "--home", home])
        #expect(code == 0)
        #expect(fresh.hasPrefix("op_admin_") && !fresh.contains(token))
    }

    /// The CLI on the server's machine needs no token: it reads the server's local credential (`<home>/cli-token`,
    /// 0600, new at every start), which the server accepts from loopback peers only.
    @Test func theCLIOnTheServersMachineSignsInByItself() async throws {
        let home = try TestPaths.temporaryDirectory("local-cli")
        let outside = AuthTests.nonLoopbackIPv4()
        var bin = try RunningBinary(["serve", "--port", "0", "--host", "0.0.0.0", "--home", home] + (outside.map { ["--allow-host", $0] } ?? []))
        try await bin.waitUntilListening()
        let base = "http://127.0.0.1:\(bin.port)"
        let file = home + "/cli-token"
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
        #expect(mode == 0o600, "readable by the server's user only")
        let written = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(written.count == 2 && written[1] == "\(bin.port)", "the token names the port it is for")
        let first = written[0]
        #expect(first.hasPrefix("op_local_"))

        let mine = ["OPENPIECES_TOKEN": "", "OPENPIECES_HOME": home]
        var (code, _, err) = try await runProduct(["brain", "add", "fact", "the local CLI works", "--url", base], environment: mine)
        #expect(code == 0, "\(err)")
        var out: String
        // A proxy in the environment is for the outside world: this machine's server is reached directly.
        (code, out, err) = try await runProduct(["brain", "list", "--url", base],
                                                environment: mine.merging(["http_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"]) { $1 })
        #expect(code == 0, "\(err)")
        #expect(out.contains("the local CLI works"))
        // Another data directory holds no credential for this server: the CLI says what to do.
        (code, _, err) = try await runProduct(["services", "list", "--url", base],
                                              environment: ["OPENPIECES_TOKEN": "", "OPENPIECES_HOME": try TestPaths.temporaryDirectory("other-home")])
        #expect(code == 1)
        #expect(err.contains("Set OPENPIECES_TOKEN") && err.contains("OPENPIECES_HOME"))

        // The token is worth nothing from beyond loopback, where the admin token still works, nor through a reverse
        // proxy on this machine (whose requests all come from loopback, saying they were forwarded).
        let local = HTTPClient(defaultHeaders: [("Authorization", "Bearer \(first)")])
        #expect(try await send(local, "GET", base + "/api/v1/services").status == 200)
        for forwarded in ["Forwarded", "X-Forwarded-For", "X-Real-IP"] {
            #expect(try await send(local, "GET", base + "/api/v1/services", headers: [(forwarded, "203.0.113.9")]).status == 401, "\(forwarded)")
        }
        // Another program listening on this machine never receives the token: the CLI sends it to its own port only.
        var seen = Router()
        let authorization = Locked<[String]>([])
        seen.get("/api/v1/services") { req in
            authorization.withLock { $0.append(req.headers["Authorization"] ?? "none") }
            return Response.error(401, code: "unauthorized", message: "no")
        }
        let other = try HTTPServer(configuration: ServerConfiguration(port: 0, eventLoops: 1), router: seen, logger: Logger(sink: LogSink(capturingAt: .error)))
        (code, _, _) = try await runProduct(["services", "list", "--url", "http://127.0.0.1:\(other.port)"], environment: mine)
        await other.shutdown()
        #expect(code == 1)
        #expect(authorization.withLock { $0 } == ["none"])
        if let outside {
            let remote = "http://\(outside):\(bin.port)/api/v1/services"
            #expect(try await send(HTTPClient(defaultHeaders: TestAuth.headers), "GET", remote).status == 200)
            #expect(try await send(local, "GET", remote).status == 401)
        }
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()

        // A new start writes a new token; the old one is refused.
        bin = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await bin.waitUntilListening()
        let second = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").first.map(String.init)
        #expect(second != first)
        #expect(try await send(local, "GET", "http://127.0.0.1:\(bin.port)/api/v1/services").status == 401)
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    /// An IPv4 address of this machine that is not loopback, if it has one.
    static func nonLoopbackIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var p = list
        while let a = p {
            defer { p = a.pointee.ifa_next }
            guard let sa = a.pointee.ifa_addr, sa.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var host = [CChar](repeating: 0, count: 64)
            guard getnameinfo(sa, socklen_t(MemoryLayout<sockaddr_in>.size), &host, 64, nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let ip = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !ip.hasPrefix("127.") { return ip }
        }
        return nil
    }
}
