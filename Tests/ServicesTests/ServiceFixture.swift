import Core
import Crypto
import Foundation
import HTTPClient
import Testing
import TestSupport

/// The real binary with a fresh data directory, and helpers to deploy the repo's example services.
final class Platform: @unchecked Sendable {
    let home: String
    var bin: RunningBinary
    let client = HTTPClient(maxResponseBytes: 128 * 1024 * 1024, defaultHeaders: TestAuth.headers)
    var base: String { "http://127.0.0.1:\(bin.port)" }

    let environment: [String: String]

    init(home: String? = nil, extra: [String] = [], environment: [String: String] = [:]) async throws {
        self.home = try home ?? TestPaths.temporaryDirectory("svc")
        self.environment = environment
        bin = try RunningBinary(["serve", "--port", "0", "--home", self.home] + extra, environment: environment)
        try await bin.waitUntilListening()
    }

    func restart(kill9: Bool = false) async throws {
        kill(bin.process.processIdentifier, kill9 ? SIGKILL : SIGTERM)
        try await bin.waitUntilExit()
        bin = try RunningBinary(["serve", "--port", "0", "--home", home], environment: environment)
        try await bin.waitUntilListening()
    }

    func stop() async {
        kill(bin.process.processIdentifier, SIGTERM)
        try? await bin.waitUntilExit()
    }

    static var repoRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    static func files(_ dir: String) throws -> JSONValue {
        var out: [String: JSONValue] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".ts") || name.hasSuffix(".json") {
            out[name] = .string(try String(contentsOfFile: dir + "/" + name, encoding: .utf8))
        }
        return .object(out)
    }

    func call(_ method: String, _ path: String, _ body: JSONValue? = nil, headers: [(String, String)] = []) async throws -> (Int, JSONValue, ClientResponse) {
        let r = try await client.send(ClientRequest(method: method, url: base + path,
                                                    headers: [("Content-Type", "application/json")] + headers, body: body?.bytes, timeout: 60))
        return (r.status, JSONValue.parse(r.body) ?? .string(r.text), r)
    }

    @discardableResult
    func deploy(_ slug: String, from dir: String) async throws -> JSONValue {
        let (status, json, _) = try await call("POST", "/api/v1/services", ["slug": .string(slug), "files": try Platform.files(dir)])
        guard status == 201 else { throw TestError("deploy \(slug): \(status) \(json.text)") }
        return json
    }

    func service(_ slug: String) async throws -> JSONValue {
        try await call("GET", "/api/v1/services/\(slug)").1
    }

    /// Polls until the service reaches `status` (restarts take a moment).
    func wait(_ slug: String, for status: String, seconds: Double = 15) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(seconds)
        var last = JSONValue.null
        while Date() < deadline {
            last = try await service(slug)
            if last["status"]?.string == status { return last }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw TestError("\(slug) never became \(status); last: \(last.text)")
    }

    /// Deno processes whose working directory is inside this platform's home.
    func denoProcesses() -> [Int32] {
        let fm = FileManager.default
        return ((try? fm.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }.filter { pid in
            guard let cmd = fm.contents(atPath: "/proc/\(pid)/cmdline"), String(decoding: cmd, as: UTF8.self).contains("deno"),
                  let cwd = try? fm.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") else { return false }
            return cwd.hasPrefix(home)
        }
    }
}
