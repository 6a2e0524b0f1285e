import Core
import Foundation
import HTTPClient
import Testing
import TestSupport

/// AI-written services never act with the admin's rights, and the loopback API answers no web page: each attack of
/// the isolation issue, against the real binary and real Deno sandboxes.
@Suite(.serialized) struct IsolationTests {
    let fixtures = Platform.repoRoot + "/Tests/ServicesTests/fixtures"

    /// A client that sends only what a test gives it (no bearer token).
    let bare = HTTPClient(maxResponseBytes: 1 << 20)

    func send(_ p: Platform, _ method: String, _ path: String, host: String? = nil, headers: [(String, String)] = [],
              body: String? = nil) async throws -> ClientResponse {
        var h = headers
        if let host { h.append(("Host", host)) }
        return try await bare.send(ClientRequest(method: method, url: p.base + path, headers: h, body: body.map { Array($0.utf8) }, timeout: 30))
    }

    func login(_ p: Platform) async throws -> (cookie: String, csrf: String) {
        let r = try await send(p, "POST", "/api/v1/auth/login", headers: [("Content-Type", "application/json")],
                               body: #"{"token":"\#(TestAuth.token)"}"#)
        let setCookie = try #require(r.header("Set-Cookie"))
        let cookie = String(setCookie.split(separator: ";")[0])
        return (cookie, try #require(JSONValue.parse(r.body)?["csrf"]?.string))
    }

    @Test func theProxyNeverForwardsThePlatformsCredentialsAndSandboxesThePathForm() async throws {
        let p = try await Platform()
        try await p.deploy("sandbox", from: fixtures + "/sandbox")
        let (cookie, _) = try await login(p)
        // The logged-in browser calls the service with the admin's cookie and one of the service's own.
        let r = try await send(p, "GET", "/s/sandbox/headers", headers: [("Cookie", "theme=dark; \(cookie); cart=3"), ("Authorization", "Basic dXNlcjpwdw==")])
        #expect(r.status == 200)
        let seen = try #require(JSONValue.parse(r.body))
        #expect(seen["cookie"]?.string == "theme=dark; cart=3", "\(seen.text)")
        #expect(!seen.text.contains("op_session"))
        #expect(seen["authorization"]?.string == "Basic dXNlcjpwdw==", "the service's own credentials pass")
        #expect(seen["x-forwarded-prefix"]?.string == "/s/sandbox")
        // Only the admin's cookie: no Cookie header at all.
        let alone = try await send(p, "GET", "/s/sandbox/headers", headers: [("Cookie", cookie)])
        #expect(JSONValue.parse(alone.body)?["cookie"] == nil)
        // The path form shares the dashboard's origin: its pages run sandboxed in an opaque origin.
        #expect(r.header("Content-Security-Policy") == "sandbox allow-scripts allow-forms allow-popups")
        // The service's own origin: reached by Host, no prefix, no sandbox needed, and still no admin cookie.
        let own = try await send(p, "GET", "/headers", host: "sandbox.localhost:\(p.bin.port)", headers: [("Cookie", "\(cookie); a=1")])
        #expect(own.status == 200)
        let ownSeen = try #require(JSONValue.parse(own.body))
        #expect(ownSeen["cookie"]?.string == "a=1")
        #expect(ownSeen["x-forwarded-prefix"] == nil)
        #expect(ownSeen["x-forwarded-host"]?.string == "sandbox.localhost:\(p.bin.port)")
        #expect(own.header("Content-Security-Policy") == nil)
        // On a service's origin every path is the service's: the platform API is not there.
        let api = try await send(p, "GET", "/api/v1/auth/session", host: "sandbox.localhost:\(p.bin.port)", headers: [("Cookie", cookie)])
        #expect(api.status == 404)
        #expect(JSONValue.parse(api.body)?["error"]?["message"]?.string == "/api/v1/auth/session", "answered by the service itself")
        // The platform's own calls (endpoints_call, the Events agent) arrive as a public request to its URL does.
        let called = try await p.call("POST", "/api/v1/services/sandbox/endpoints/GET%20%2Fheaders/call", ["input": [:]]).1
        #expect(called["output"]?["host"]?.string == "sandbox.localhost:\(p.bin.port)", "\(called.text)")
        #expect(called["output"]?["x-forwarded-host"]?.string == "sandbox.localhost:\(p.bin.port)")
        #expect(called["output"]?["x-forwarded-proto"]?.string == "http")
        #expect(called["headers"]?["content-type"]?.string?.hasPrefix("application/json") == true)
        // The dashboard refuses to be framed.
        #expect(try await send(p, "GET", "/").header("Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
        await p.stop()
    }

    @Test func aServiceCannotEndItsHeadEarlyNorSetThePlatformsCookies() async throws {
        let p = try await Platform()
        try await p.deploy("rawhead", from: fixtures + "/rawhead")
        // Bare line feeds would end the head for a browser and push the sandbox policy into the body: refused whole.
        for path in ["/s/rawhead/page", "/s/rawhead/folded"] {
            let r = try await send(p, "GET", path)
            #expect(r.status == 502, "\(path) answered \(r.status)")
            #expect(!r.text.contains("<script>"))
        }
        // On the platform's origin (the path form) a service sets no cookie; on its own origin its cookies pass.
        let onPath = try await send(p, "GET", "/s/rawhead/cookie")
        #expect(onPath.status == 200)
        #expect(!onPath.headers.contains { $0.0.lowercased() == "set-cookie" }, "\(onPath.headers)")
        let onOwn = try await send(p, "GET", "/cookie", host: "rawhead.localhost:\(p.bin.port)")
        #expect(onOwn.headers.filter { $0.0.lowercased() == "set-cookie" }.count == 2)
        await p.stop()
    }

    @Test func theLoopbackGuardRefusesOtherHostsAndCrossSiteBrowsers() async throws {
        let p = try await Platform(extra: ["--allow-host", "pieces.lan", "--allow-origin", "https://trusted.example"])
        // DNS rebinding: a page whose name now points at 127.0.0.1 sends its own name.
        for path in ["/assets", "/qgpt/question", "/api/v1/services", "/", "/s/anything/x", "/model_context_protocol/2024-11-05/sse"] {
            let r = try await send(p, "GET", path, host: "evil.example.com")
            #expect(r.status == 421, "\(path) answered \(r.status)")
            #expect(JSONValue.parse(r.body)?["error"]?["code"]?.string == "misdirected_request")
            #expect(JSONValue.parse(r.body)?["error"]?["message"]?.string?.contains("Use http://127.0.0.1:\(p.bin.port)/") == true)
        }
        let post = try await send(p, "POST", "/qgpt/question", host: "evil.example.com:\(p.bin.port)", headers: [("Content-Type", "application/json")],
                                  body: #"{"query":"what are my secrets?"}"#)
        #expect(post.status == 421)
        // Probes send the pod's address: health answers any Host.
        #expect(try await send(p, "GET", "/.well-known/health", host: "10.1.2.3:8080").status == 200)
        #expect(try await send(p, "HEAD", "/.well-known/health", host: "evil.example.com").status == 200)
        // The server's own names, and the ones allowed.
        for host in ["localhost:\(p.bin.port)", "127.0.0.1:\(p.bin.port)", "[::1]:\(p.bin.port)", "localhost.:\(p.bin.port)", "pieces.lan:\(p.bin.port)"] {
            #expect(try await send(p, "GET", "/assets", host: host).status == 200, "\(host)")
        }

        // Cross-site request forgery: a text/plain POST (no preflight) from another site creates nothing.
        let seed = #"{"asset":{"format":{"fragment":{"string":{"raw":"stolen"}}}}}"#
        let forged = try await send(p, "POST", "/assets/create", headers: [("Content-Type", "text/plain"), ("Origin", "http://evil.example.com")], body: seed)
        #expect(forged.status == 403)
        #expect(JSONValue.parse(forged.body)?["error"]?["code"]?.string == "cross_site")
        let sandboxedPage = try await send(p, "POST", "/assets/create", headers: [("Content-Type", "text/plain"), ("Origin", "null")], body: seed)
        #expect(sandboxedPage.status == 403, "an opaque origin (a sandboxed /s/ page) is another site")
        let serviceOrigin = try await send(p, "POST", "/assets/create", headers: [("Origin", "http://notes.localhost:\(p.bin.port)")], body: seed)
        #expect(serviceOrigin.status == 403, "a service's own origin is another site too")
        let noCors = try await send(p, "GET", "/assets", headers: [("Sec-Fetch-Site", "cross-site")])
        #expect(noCors.status == 403, "an <img> or <script> load from another site")
        let sameSite = try await send(p, "GET", "/assets", headers: [("Sec-Fetch-Site", "same-site")])
        #expect(sameSite.status == 403, "a sibling *.localhost origin is same-site but not ours")
        let ws = try await send(p, "GET", "/assets/stream/identifiers", headers: [("Origin", "http://evil.example.com"), ("Upgrade", "websocket"),
                                                                                  ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
                                                                                  ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")])
        #expect(ws.status == 403, "cross-site WebSocket hijacking")
        let assets = try await p.call("GET", "/assets").1
        #expect(!assets.text.contains("stolen"), "nothing was created")

        // Same origin, an allowed origin, and clients that send neither header keep working.
        let sameOrigin = try await send(p, "POST", "/assets/create", headers: [("Origin", "http://127.0.0.1:\(p.bin.port)"), ("Sec-Fetch-Site", "same-origin")], body: seed)
        #expect(sameOrigin.status == 200, "\(sameOrigin.text)")
        #expect(try await send(p, "POST", "/assets/create", headers: [("Origin", "https://trusted.example")], body: seed).status == 200)
        #expect(try await send(p, "POST", "/assets/create", body: seed).status == 200)
        #expect(try await send(p, "GET", "/", headers: [("Sec-Fetch-Site", "cross-site")]).status == 200, "a link to the dashboard from elsewhere opens it")
        await p.stop()
    }

    @Test func everyLiteralSpellingOfALocalAddressIsRefusedAtDeploy() async throws {
        let p = try await Platform()
        let forms: [(String, String)] = [
            ("[::1]", "loopback"), ("0x7f000001", "loopback"), ("2130706433", "loopback"), ("127.1", "loopback"), ("0177.0.0.1", "loopback"),
            ("localhost.", "name for loopback"), ("*.localhost", "wildcard"), ("api.localhost", "name for loopback"),
            ("[::ffff:127.0.0.1]:\(p.bin.port)", "loopback"), ("[::ffff:7f00:1]", "loopback"), ("127.0.0.1:\(p.bin.port)", "loopback"),
            ("169.254.169.254", "link-local"), ("0xa9fea9fe", "link-local"), ("[fe80::1]", "link-local"), ("metadata.google.internal", "metadata"),
            ("[fd00:ec2::254]", "metadata"), ("100.100.100.200", "metadata"), ("0.0.0.0", "unspecified"), ("0", "unspecified"), ("[::]", "unspecified"), ("*.example.com", "wildcard"),
        ]
        var files = try Platform.files(Platform.repoRoot + "/services/notes")
        for (i, (host, reason)) in forms.enumerated() {
            if case .object(var o) = files, case .object(var m)? = JSONValue.parse(o["service.json"]?.string ?? "") {
                m["hosts"] = [.string(host)]
                o["service.json"] = .string(JSONValue.object(m).text)
                files = .object(o)
            }
            let (status, refused, _) = try await p.call("POST", "/api/v1/services", ["slug": .string("form-\(i)"), "files": files])
            #expect(status == 422, "\(host) answered \(status): \(refused.text)")
            #expect(refused["error"]?["message"]?.string?.contains(reason) == true, "\(host): \(refused.text)")
            #expect(refused["error"]?["message"]?.string?.contains("Remove it from hosts") == true)
        }
        // An ordinary outside name passes (unresolved here: there is no network; Deno checks it again on every call).
        if case .object(var o) = files, case .object(var m)? = JSONValue.parse(o["service.json"]?.string ?? "") {
            m["hosts"] = ["api.example.com:443"]
            o["service.json"] = .string(JSONValue.object(m).text)
            files = .object(o)
        }
        #expect(try await p.call("POST", "/api/v1/services", ["slug": "outside", "files": files]).0 == 201)
        await p.stop()
    }

    @Test func denoItselfRefusesThePlatformUnderAnySpelling() async throws {
        let p = try await Platform()
        try await p.deploy("probe", from: fixtures + "/probe-trigger")
        _ = try await p.wait("probe", for: "running")
        for url in ["http://2130706433:\(p.bin.port)/assets", "http://[::ffff:127.0.0.1]:\(p.bin.port)/assets", "http://0x7f.1:\(p.bin.port)/assets",
                    "http://[::1]:\(p.bin.port)/assets", "http://localhost:\(p.bin.port)/assets", "http://169.254.169.254/latest/meta-data/"] {
            let r = try await p.call("GET", "/s/probe/try?url=" + url.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!).1
            #expect(r["allowed"]?.bool == false, "\(url): \(r.text)")
        }
        // The deny list is on Deno's own command line, so a name that later re-resolves to the platform is refused too.
        let pid = try #require(p.denoProcesses().first)
        let cmdline = String(decoding: FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data(), as: UTF8.self)
            .split(separator: "\0").map(String.init)
        let deny = try #require(cmdline.first { $0.hasPrefix("--deny-net=") })
        #expect(deny.contains("127.0.0.1:\(p.bin.port)"))
        #expect(deny.contains("169.254.169.254"))
        #expect(cmdline.contains { $0.hasPrefix("--v8-flags=--max-old-space-size=") })
        // And it runs with its limits (RLIMIT_NOFILE from --service-files' default).
        let limits = (try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)) ?? ""
        #expect(limits.split(separator: "\n").contains { $0.hasPrefix("Max open files") && $0.contains(" 256 ") }, "\(limits)")
        await p.stop()
    }

    @Test func aServiceOverALimitEndsCrashedWithTheLimitNamed() async throws {
        let p = try await Platform(extra: ["--service-memory", "256", "--service-files", "128", "--service-processes", "20", "--service-data", "2",
                                           "--service-cpu", "30", "--service-cpu-window", "2"])
        try await p.deploy("control", from: Platform.repoRoot + "/services/notes")
        let cases: [(path: String, reason: String)] = [
            ("/memory", "memory limit exceeded"), ("/files", "open files limit reached"), ("/workers", "process limit exceeded"),
            ("/data", "data size limit exceeded"), ("/spread", "data size limit exceeded"), ("/cpu", "CPU limit exceeded"),
        ]
        for i in cases.indices {
            try await p.deploy("hog-\(i)", from: fixtures + "/hog")
            _ = try await p.wait("hog-\(i)", for: "running")
        }
        for (i, c) in cases.enumerated() { _ = try? await p.call("GET", "/s/hog-\(i)\(c.path)") }
        for (i, c) in cases.enumerated() {
            var crashed: JSONValue?
            for _ in 0..<3 where crashed == nil {
                crashed = try? await p.wait("hog-\(i)", for: "crashed", seconds: 20)
                // Still running: the request that sets it off may have timed out on a loaded machine (sanitizers).
                if crashed == nil { _ = try? await p.call("GET", "/s/hog-\(i)\(c.path)") }
            }
            let s = try #require(crashed, "hog-\(i) (\(c.path)) never ended crashed")
            #expect(s["reason"]?.string?.contains(c.reason) == true, "\(c.path): \(s["reason"]?.string ?? "")")
        }
        // Not restarted: a broken limit is not cured by trying again.
        try await Task.sleep(nanoseconds: 1_500_000_000)
        for i in cases.indices { #expect(try await p.service("hog-\(i)")["status"]?.string == "crashed") }
        // An ordinary service under the same limits keeps running.
        #expect(try await p.service("control")["status"]?.string == "running")
        #expect(try await p.call("GET", "/s/control/notes").0 == 200)
        await p.stop()
    }
}
