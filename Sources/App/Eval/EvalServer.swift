import Core
import Foundation
import Processes
import HTTPClient
import LLM
#if canImport(Glibc)
import Glibc
#endif

/// A fresh `openpieces serve --port 0` in its own data directory: the product under test, exactly as users run it.
final class EvalServer: @unchecked Sendable {
    let process = ChildProcess()
    let home: String
    let logPath: String
    let token: String
    private(set) var port = 0

    /// `llmArguments` are the model flags (the user's, or the scripted server's in replay); the environment passes
    /// through except the admin token, which is this run's own.
    /// `directory` receives the data directory (`home/`) and the server's log (`server.log`).
    init(directory: String, llmArguments: [String], environment: [String: String], dropLLMEnvironment: Bool) throws {
        home = (directory as NSString).appendingPathComponent("home")
        logPath = (directory as NSString).appendingPathComponent("server.log")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        token = "op_eval_" + (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        process.executableURL = URL(fileURLWithPath: EvalServer.executable())
        process.arguments = ["serve", "--port", "0", "--home", home] + llmArguments
        var env = environment
        env["OPENPIECES_ADMIN_TOKEN"] = token
        for k in ["OPENPIECES_PORT", "OPENPIECES_HOME", "OPENPIECES_PUBLIC_URL", "OPENPIECES_LOG_FORMAT"] { env.removeValue(forKey: k) }
        if dropLLMEnvironment { for k in env.keys where k.hasPrefix("OPENPIECES_LLM_") { env.removeValue(forKey: k) } }
        process.environment = env
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// This very binary, so the eval measures the build that runs it.
    static func executable() -> String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return CommandLine.arguments[0]
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Waits for the `server.listening` line and reads the port from it.
    func waitUntilListening(timeout: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains("event=server.listening") }),
               let field = line.split(separator: " ").first(where: { $0.hasPrefix("port=") }), let p = Int(field.dropFirst(5)) {
                port = p
                return
            }
            guard process.isRunning else { throw EvalError("the server exited at start-up: \(text.suffix(600))") }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw EvalError("the server did not start listening within \(Int(timeout)) s (see \(logPath))")
    }

    /// SIGTERM (the server stops its services), then SIGKILL if it lingers.
    func stop() async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<200 where process.isRunning { try? await Task.sleep(nanoseconds: 50_000_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// The platform API as the eval uses it, with the child's admin token.
struct EvalAPI: Sendable {
    let base: String
    let client: HTTPClient
    /// Service URLs get no credentials: they are public.
    let anonymous = HTTPClient()

    init(base: String, token: String) {
        self.base = base
        client = HTTPClient(defaultHeaders: [("Authorization", "Bearer \(token)")])
    }

    func get(_ path: String) async throws -> JSONValue {
        let r = try await client.send(ClientRequest(url: base + path))
        guard r.status == 200, let v = JSONValue.parse(r.body) else { throw EvalError("GET \(path) answered \(r.status): \(r.text.prefix(300))") }
        return v
    }

    func send(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> (Int, JSONValue) {
        let r = try await client.send(ClientRequest(method: method, url: base + path, headers: [("Content-Type", "application/json")],
                                                    body: (body ?? .object([:])).bytes))
        return (r.status, JSONValue.parse(r.body) ?? .null)
    }

    /// Sends one message and follows the turn's events to its end. Returns the error the turn ended with, if any.
    func chat(_ id: String, _ text: String, progress: (String) -> Void) async throws -> String? {
        let stream = try await client.stream(ClientRequest(method: "POST", url: "\(base)/api/v1/chats/\(id)/messages",
                                                           headers: [("Content-Type", "application/json")],
                                                           body: JSONValue.object(["content": .string(text)]).bytes, timeout: 0, stallTimeout: 900))
        guard stream.status == 200 else {
            var body: [UInt8] = []
            for try await c in stream.body { body += c }
            return "the chat answered \(stream.status): \(String(decoding: body, as: UTF8.self).prefix(300))"
        }
        var parser = SSEParser()
        var failure: String?
        for try await chunk in stream.body {
            for e in parser.feedEvents(chunk) {
                let v = JSONValue.parse(e.data) ?? .null
                switch e.name {
                case "tool_call": progress("→ \(v["name"]?.string ?? "")")
                case "error": failure = v["message"]?.string ?? "the turn failed"
                default: break
                }
            }
        }
        return failure
    }

    /// An exchange with a service's public URL. `<slug>.localhost` names reach the server on loopback with that Host,
    /// since not every resolver answers for them.
    func service(_ method: String, _ url: String, headers: [String: String], body: JSONValue?) async throws -> ClientResponse {
        guard var parts = URLComponents(string: url), let host = parts.host else { throw EvalError("'\(url)' is not a URL") }
        var h: [(String, String)] = headers.map { ($0.key, $0.value) }
        if host.hasSuffix(".localhost") {
            h.append(("Host", host + (parts.port.map { ":\($0)" } ?? "")))
            parts.host = "127.0.0.1"
        }
        var bytes: [UInt8]?
        if let body {
            bytes = body.string.map { Array($0.utf8) } ?? body.bytes
            if !h.contains(where: { $0.0.lowercased() == "content-type" }) { h.append(("Content-Type", "application/json")) }
        }
        return try await anonymous.send(ClientRequest(method: method, url: parts.string ?? url, headers: h, body: bytes, timeout: 60))
    }
}
