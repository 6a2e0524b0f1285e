import Core
import Foundation
import HTTPClient
import Services

/// One test run of a service the code-generation agent is writing: a copy of its workspace with an empty `data/`,
/// started through the same sandbox as a deployed service, sent requests, and judged the way users will meet it.
struct TestRun {
    let sandbox: Sandbox
    let workspace: Workspace
    /// Where scratch copies live (removed after each run).
    let scratchRoot: String
    let logger: Logger

    static let client = HTTPClient(maxResponseBytes: 4 * 1024 * 1024)
    /// As long as the supervisor gives a deployed service (a loaded machine starts Deno slowly).
    static let readyTimeout: Double = 10

    /// One request of the plan.
    struct PlannedRequest {
        var method: String
        var path: String
        var body: JSONValue?
        /// The endpoint it exercises, when it came from the manifest.
        var endpoint: Manifest.Endpoint?
        /// Values for its `:name` segments from the schema, used when no earlier answer gave one.
        var parameters: [String: JSONValue] = [:]
    }

    func run(requests: [JSONValue]?) async throws -> JSONValue {
        let manifest: Manifest
        do { manifest = try Manifest.parse(Array(try workspace.read("service.json").utf8)) } catch {
            throw ToolFailure("service.json: \(error)")
        }
        guard let port = Probe.freePort(in: Sandbox.testRunPorts, avoiding: []) else { throw ToolFailure("no free port for a test run") }
        let dir = try scratchCopy()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Model-written code nobody has reviewed yet gets placeholders, never the user's secret values.
        var job = Sandbox.Job(directory: dir, port: port, hosts: manifest.hosts, cpuSecondsTotal: 60)
        for name in manifest.secrets { job.environment[name] = "test-\(name.lowercased())" }
        job.environment[ServiceContract.publicURL] = "http://127.0.0.1:\(port)"
        var notify: ScratchNotify?
        if manifest.kind == "trigger" {
            let n = try ScratchNotify(logger: logger)
            notify = n
            job.environment[ServiceContract.notifyURL] = n.url
            job.environment[ServiceContract.serviceToken] = n.token
            job.callbackPort = n.port
        }
        defer { if let notify { Task { await notify.shutdown() } } }
        let launch: Sandbox.Launch
        do { launch = try await sandbox.prepare(job) } catch { throw ToolFailure(error.description) }
        guard let process = await ScratchProcess.start(launch, in: sandbox) else { throw ToolFailure("could not start Deno for the test run") }
        var ready = false
        let deadline = Date().addingTimeInterval(TestRun.readyTimeout)
        while process.isRunning && Date() < deadline {
            if await Probe.status(port: port, timeout: 0.5) == 200 { ready = true; break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        guard ready else {
            await process.kill()
            let why = process.isRunning ? "did not answer GET /health with 200 within \(Int(TestRun.readyTimeout)) s" : "exited before answering GET /health"
            return ["ok": false, "error": .string("the service \(why)"), "output": .string(String(process.outputText.suffix(4000)))]
        }
        let plan = requests.map { given in given.map { PlannedRequest(method: $0["method"]?.string?.uppercased() ?? "GET", path: $0["path"]?.string ?? "/", body: $0["body"]) } }
            ?? TestRun.defaultPlan(manifest)
        var results: [JSONValue] = []
        var seen: [String: JSONValue] = [:]  // values from earlier answers, to fill path parameters (an id just created)
        for var probe in plan.prefix(30) {
            if probe.endpoint != nil { probe.path = TestRun.fill(probe.path, from: seen, else: probe.parameters) }
            let result = await send(probe, port: port, seen: &seen)
            results.append(result)
        }
        // A trigger's events may be sent just after its answer.
        if notify != nil { try? await Task.sleep(nanoseconds: 200_000_000) }
        await process.kill()
        let problems = results.flatMap { $0["problems"]?.array ?? [] }
        var out: [String: JSONValue] = ["ok": .bool(problems.isEmpty), "results": .array(results),
                                        "output": .string(String(process.outputText.suffix(2000)))]
        if let notify { out["events"] = .array(notify.received) }
        if !problems.isEmpty { out["problems"] = .array(problems) }
        return .object(out)
    }

    /// `GET /health`, then every declared endpoint with an input made from its schema: creators first, so later
    /// requests can name what they made, deletions last.
    static func defaultPlan(_ m: Manifest) -> [PlannedRequest] {
        let order = ["POST": 0, "PUT": 1, "PATCH": 2, "GET": 3, "DELETE": 4]
        let endpoints = m.endpoints.sorted { (order[$0.method] ?? 5, $0.path.count) < (order[$1.method] ?? 5, $1.path.count) }
        return [PlannedRequest(method: "GET", path: "/health")] + endpoints.map { e in
            var fields = e.inputSchema.map { JSONSchema.sample($0) }?.object ?? [:]
            var parameters: [String: JSONValue] = [:]
            for segment in e.path.split(separator: "/") where segment.hasPrefix(":") {
                let name = String(segment.dropFirst())
                parameters[name] = fields.removeValue(forKey: name)
            }
            var path = e.path
            let query = e.method == "GET" || e.method == "DELETE"
            if query, !fields.isEmpty {
                path += "?" + fields.sorted { $0.key < $1.key }.map {
                    "\($0.key)=\(($0.value.string ?? $0.value.text).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                }.joined(separator: "&")
            }
            return PlannedRequest(method: e.method, path: path, body: query ? nil : .object(fields), endpoint: e, parameters: parameters)
        }
    }

    /// `:name` segments from values seen in earlier answers (`id` stands in for any name ending in "id"), else the
    /// schema's sample.
    static func fill(_ path: String, from seen: [String: JSONValue], else sample: [String: JSONValue]) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            guard segment.hasPrefix(":") else { return String(segment) }
            let name = String(segment.dropFirst())
            let value = seen[name] ?? (name.lowercased().hasSuffix("id") ? seen["id"] : nil) ?? sample[name] ?? seen["code"] ?? seen["slug"] ?? seen["key"]
            return (value?.string ?? value.map { $0.text } ?? "1").addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? "1"
        }.joined(separator: "/")
    }

    private func send(_ p: PlannedRequest, port: Int, seen: inout [String: JSONValue]) async -> JSONValue {
        var headers = [("X-Forwarded-Host", "127.0.0.1:\(port)"), ("X-Forwarded-Proto", "http")]
        var body: [UInt8]?
        if let b = p.body {
            headers.append(("Content-Type", "application/json"))
            body = Array((b.string ?? b.text).utf8)
        }
        var result: [String: JSONValue] = ["method": .string(p.method), "path": .string(p.path)]
        let answer: ClientResponse
        do {
            answer = try await TestRun.client.send(ClientRequest(method: p.method, url: "http://127.0.0.1:\(port)\(p.path)", headers: headers, body: body, timeout: 15))
        } catch {
            result["problems"] = [.string("\(p.method) \(p.path): no answer (\(error))")]
            return .object(result)
        }
        let shown = ShownHeaders(answer.headers)
        let json = JSONValue.parse(answer.body)
        result["status"] = JSONValue(answer.status)
        result["headers"] = shown.json
        result["body"] = json.map { $0.text.count <= 1500 ? $0 : .string(String($0.text.prefix(1500)) + "…") } ?? .string(String(answer.text.prefix(800)))
        if let fields = json?.object { for (k, v) in fields where v.string != nil || v.double != nil { seen[k] = v } }
        var problems = TestRun.judge(p, status: answer.status, contentType: shown.contentType, body: answer.body, json: json)
        if let schema = p.endpoint?.outputSchema, (200..<300).contains(answer.status), let json {
            problems += JSONSchema.validate(json, against: schema, at: "response").map { "\(p.method) \(p.path): does not match its outputSchema: \($0)" }
        }
        if !problems.isEmpty { result["problems"] = .array(problems.map { .string($0) }) }
        return .object(result)
    }

    /// What a user would call broken: no route (404/405), a crash (5xx), or an API answering something that is not JSON.
    static func judge(_ p: PlannedRequest, status: Int, contentType: String?, body: [UInt8], json: JSONValue?) -> [String] {
        var out: [String] = []
        let what = "\(p.method) \(p.path)" + (p.endpoint.map { " (declared \($0.method) \($0.path), schema-valid input)" } ?? "")
        if status >= 500 { out.append("\(what) answered \(status): the service failed") }
        if status == 405 || (status == 404 && p.endpoint != nil && json?["error"] == nil) {
            out.append("\(what) answered \(status): the route is missing or its method is wrong")
        }
        let page = contentType?.contains("text/html") == true || contentType?.contains("text/plain") == true && p.path == "/health"
        if p.path != "/health", !body.isEmpty, json == nil, !page, !(300..<400).contains(status) {
            out.append("\(what) answered a body that is not JSON (Content-Type \(contentType ?? "none")); answer JSON, errors as {\"error\":{\"code\",\"message\"}}")
        }
        return out
    }

    /// The workspace's files, without its `data/`, in a fresh directory: each run starts from empty storage.
    private func scratchCopy() throws -> String {
        let dir = (scratchRoot as NSString).appendingPathComponent(UUID().uuidString.lowercased())
        let fm = FileManager.default
        try fm.createDirectory(atPath: (dir as NSString).appendingPathComponent("data"), withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        for (path, content) in try workspace.files() where !path.hasPrefix("data/") {
            let target = (dir as NSString).appendingPathComponent(path)
            try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard fm.createFile(atPath: target, contents: Data(content)) else { throw ToolFailure("could not copy \(path) for the test run") }
        }
        return dir
    }
}
