import Core
import Foundation
import Generator
import HTTPClient
import Intent
import Processes
import Services
import Testing
import TestSupport

/// A generated service run by Deno with the narrow permissions a deployed one gets (net to its own port, read of its
/// directory, write of `data/`, env `PORT` only), for checking its behaviour over HTTP. One process per service.
final class LiveService: @unchecked Sendable {
    let dir: String
    let port: Int
    let process: ChildProcess
    static let client = HTTPClient(maxResponseBytes: 4 << 20)

    var base: String { "http://127.0.0.1:\(port)" }

    /// Writes the spec's files into `dir` (a fresh one unless given: a later version runs on the same data) and starts it.
    /// `environment` adds variables (and their env permission); `hosts` adds net permissions, as a manifest's hosts do.
    static func start(_ spec: ServiceSpec, in given: String? = nil, environment: [String: String] = [:], hosts: [String] = []) async throws -> LiveService {
        let dir = try given ?? TestPaths.temporaryDirectory("live-\(spec.name)")
        for (path, content) in ServiceGenerator.generate(spec).files { try content.write(toFile: "\(dir)/\(path)", atomically: true, encoding: .utf8) }
        let deno = try #require(DenoLocator.find(environment: ProcessInfo.processInfo.environment))
        let port = try #require(Probe.freePort(in: 22000...24999, avoiding: []))
        // One Deno cache for every run: the transpiled main.ts of a service is reused by its restarts.
        let cache = (NSTemporaryDirectory() as NSString).appendingPathComponent("op-generator-deno-cache")
        let p = ChildProcess()
        p.executableURL = URL(fileURLWithPath: deno)
        p.arguments = ["run", "--no-prompt", "--no-remote", "--no-npm", "--allow-net=" + (["127.0.0.1:\(port)"] + hosts).joined(separator: ","),
                       "--allow-read=.", "--allow-write=data", "--allow-env=" + (["PORT"] + environment.keys.sorted()).joined(separator: ","), "main.ts"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.environment = environment.merging(["PORT": String(port), "NO_COLOR": "1", "DENO_DIR": cache, "HOME": dir]) { a, _ in a }
        _ = FileManager.default.createFile(atPath: "\(dir)/deno.log", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dir)/deno.log"))
        try log.seekToEnd()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        let service = LiveService(dir: dir, port: port, process: p)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, p.isRunning {
            if await Probe.status(port: port, timeout: 1) == 200 { return service }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        await service.stop()
        let output = (try? String(contentsOfFile: "\(dir)/deno.log", encoding: .utf8)) ?? ""
        throw Failure(description: "\(spec.name) did not answer /health: \(output)")
    }

    private init(dir: String, port: Int, process: ChildProcess) {
        self.dir = dir
        self.port = port
        self.process = process
    }

    func stop() async {
        process.terminate()
        let p = process
        _ = try? await offPool { p.waitUntilExit() }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Status, parsed JSON body (or its text as a string), and the response.
    @discardableResult
    func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> (Int, JSONValue, ClientResponse) {
        let r = try await LiveService.client.send(ClientRequest(method: method, url: base + path, headers: [("Content-Type", "application/json")],
                                                                body: body.map { Array($0.utf8) }, timeout: 20))
        return (r.status, JSONValue.parse(r.body) ?? .string(r.text), r)
    }

    /// The answer's JSON, after checking its status.
    func expect(_ method: String, _ path: String, _ body: String? = nil, status: Int = 200,
                sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let (s, json, _) = try await call(method, path, body)
        #expect(s == status, "\(method) \(path) → \(s) \(json.text)", sourceLocation: sourceLocation)
        return json
    }

    /// A 400 with the `{"error": {"code", "message"}}` shape; the message.
    func expectInvalid(_ method: String, _ path: String, _ body: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let json = try await expect(method, path, body, status: 400, sourceLocation: sourceLocation)
        #expect(json["error"]?["code"]?.string == "invalid_input", "\(json.text)", sourceLocation: sourceLocation)
        return json["error"]?["message"]?.string ?? ""
    }
}

/// Runs `body` against a started service and stops it whatever happens.
func withService(_ spec: ServiceSpec, in dir: String? = nil, environment: [String: String] = [:], hosts: [String] = [],
                 _ body: (LiveService) async throws -> Void) async throws {
    let s = try await LiveService.start(spec, in: dir, environment: environment, hosts: hosts)
    do {
        try await body(s)
    } catch {
        await s.stop()
        throw error
    }
    await s.stop()
}
