import Core
import Crypto
import Foundation
import Processes
import LLM
import Secrets
import Services
import Store
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The code-generation agent: one session per service directory, file tools confined to it, `deno check`, a test
/// run on a scratch port, and a deploy that hands the files to the supervisor as a new version.
public final class Codegen: Sendable {
    let services: ServiceManager
    let sessions: ChatStore
    let workspacesRoot: String
    /// The one sandbox: test runs start exactly as deployed services do.
    let sandbox: Sandbox
    let provider: @Sendable () -> (any LLMProvider, String?)
    let logger: Logger
    let usage: UsageLedger
    public let maxSteps: Int
    public let budgetSeconds: Double

    /// `budgetSeconds` bounds one build (slow local models need more: `--codegen-seconds`).
    public init(services: ServiceManager, db: Database, workspacesRoot: String, logger: Logger, usage: UsageLedger? = nil, maxSteps: Int = 30,
                budgetSeconds: Double = 300, provider: @escaping @Sendable () -> (any LLMProvider, String?)) {
        self.services = services
        self.usage = usage ?? UsageLedger(db: db)
        self.sessions = ChatStore(db: db)
        self.workspacesRoot = workspacesRoot
        self.sandbox = services.sandbox
        self.logger = logger
        self.maxSteps = maxSteps
        self.budgetSeconds = budgetSeconds
        self.provider = provider
    }

    final class Outcome: Sendable {
        let deployed = Locked<JSONValue?>(nil)
        /// What the deployed version records as its source.
        let source: VersionSource
        init(source: VersionSource) { self.source = source }
    }

    /// Builds or fixes `slug` as asked. Reuses the service's session (its earlier conversation) when there is one.
    /// `origin` says who asked (a chat or a repair): the deployed version records it, and the chat is charged the tokens.
    public func build(slug: String, request: String, origin: VersionSource = .unknown,
                      progress: @escaping @Sendable (String) async -> Void = { _ in }) async throws -> JSONValue {
        guard Slug.isValid(slug) else { throw ToolFailure("'\(slug)' is not a valid slug: 1–48 of a-z, 0-9 and '-'") }
        let session = try sessions.codegenSession(for: slug)
        let workspace = Workspace(root: (workspacesRoot as NSString).appendingPathComponent(slug))
        if try workspace.list().isEmpty, let live = try? services.files.read(slug) {
            for (path, content) in live { try workspace.write(path, String(decoding: content, as: UTF8.self)) }
        }
        let outcome = Outcome(source: origin.with(session: session.id))
        let chatID: String? = if case .chat(let id, _) = origin { id } else { nil }
        let (provider, model) = provider()
        let usage = self.usage, sessionID = session.id
        let loop = AgentLoop(provider: provider, model: model, tools: tools(slug, workspace, outcome), budget: AgentBudget(turns: maxSteps)) {
            usage.record($0, for: .build(session: sessionID, chat: chatID))
        }
        let history = try sessions.messages(session.id)
        let ask = ChatMessage.user((history.isEmpty ? "Build the service '\(slug)': " : "Change the service '\(slug)': ") + request)
        try sessions.append(session.id, [ask])
        await progress("codegen \(slug): session \(history.isEmpty ? "new" : "reused") \(session.id)")
        let started = Date()
        let system = Prompts.codegen + "\n\n" + services.outbound.sentence
        let finished = try await withTimeLimit(budgetSeconds) {
            try await loop.run([.system(system)] + history + [ask]) { event in
                switch event {
                case .toolCall(_, let name, let args):
                    await progress("codegen \(slug): \(name) \(CodegenPrompt.brief(args))")
                case .toolResult(_, let name, _, let ok, let ms):
                    await progress("codegen \(slug): \(name) \(ok ? "ok" : "failed") (\(ms) ms)")
                default:
                    break
                }
            }
        }
        guard let added = finished else {
            throw ToolFailure("the code-generation agent ran out of its \(Int(budgetSeconds)) s budget for '\(slug)'")
        }
        try sessions.append(session.id, added)
        let summary = added.last { $0.role == .assistant && $0.toolCalls.isEmpty }?.content ?? ""
        let ms = Int(Date().timeIntervalSince(started) * 1000)
        guard let deployed = outcome.deployed.withLock({ $0 }) else {
            throw ToolFailure("the service '\(slug)' was not deployed: \(summary.isEmpty ? "the agent stopped without deploying" : summary)")
        }
        logger.info("codegen.deployed", ["service": slug, "ms": "\(ms)", "session": session.id])
        return ["ok": true, "session": .string(session.id), "service": deployed, "summary": .string(summary), "ms": JSONValue(ms),
                "usage": (try? usage.totals(session: session.id))?.json ?? .null]
    }

    // MARK: tools

    /// The code-generation agent's tools, by name (what its prompt may name).
    public static let toolNames = ["list_files", "read_file", "write_file", "edit_file", "deno_check", "test_service", "deploy"]

    func tools(_ slug: String, _ ws: Workspace, _ outcome: Outcome) -> [Tool] {
        let built = makeTools(slug, ws, outcome)
        assert(built.map(\.name) == Codegen.toolNames, "Codegen.toolNames lists the tools as built")
        return built
    }

    private func makeTools(_ slug: String, _ ws: Workspace, _ outcome: Outcome) -> [Tool] {
        let path: JSONValue = ["type": "string", "minLength": 1, "maxLength": 256]
        return [
            Tool(name: "list_files", description: "List the service's files, each with the SHA-256 of its content.", parameters: ["type": "object", "properties": [:]]) { _, _ in
                let files = try ws.list()
                // Whole-file hashes: a read is cut to the tool output limit, a hash says whether a file is as it was.
                let hashes = try files.map { ($0, JSONValue.string(Hex.encode(Digest.sha256(Array(try ws.read($0).utf8))))) }
                return .object(["files": .array(files.map { .string($0) }), "sha256": .object(Dictionary(uniqueKeysWithValues: hashes))])
            },
            Tool(name: "read_file", description: "Read one file of the service.",
                 parameters: ["type": "object", "properties": ["path": path], "required": ["path"]], PathInput.self) { input, _ in
                do { return ["path": .string(input.path), "content": .string(try ws.read(input.path))] } catch let e as Workspace.Refused {
                    throw ToolFailure(e.description)
                }
            },
            Tool(name: "write_file", description: "Create or replace a file of the service (main.ts, service.json, …).",
                 parameters: ["type": "object", "properties": ["path": path, "content": ["type": "string"]], "required": ["path", "content"]], WriteInput.self) { input, _ in
                do {
                    try ws.write(input.path, input.content)
                    return ["written": .string(input.path), "bytes": JSONValue(input.content.utf8.count)]
                } catch let e as Workspace.Refused { throw ToolFailure(e.description) }
            },
            Tool(name: "edit_file", description: "Replace one exact occurrence of old_text with new_text in a file.",
                 parameters: ["type": "object", "properties": ["path": path, "old_text": ["type": "string", "minLength": 1], "new_text": ["type": "string"]],
                              "required": ["path", "old_text", "new_text"]], EditInput.self) { input, _ in
                do {
                    try ws.edit(input.path, old: input.old_text, new: input.new_text)
                    return ["edited": .string(input.path)]
                } catch let e as Workspace.Refused { throw ToolFailure(e.description) }
            },
            Tool(name: "deno_check", description: "Type-check main.ts with Deno. Fix every error it reports.",
                 parameters: ["type": "object", "properties": [:]]) { [self] _, _ in try await check(ws) },
            Tool(name: "test_service", description: "Start the service on a scratch port and send requests to it (default: GET /health and every GET endpoint without parameters).",
                 parameters: ["type": "object", "properties": ["requests": ["type": "array", "maxItems": 20, "items": [
                    "type": "object", "properties": ["method": ["type": "string"], "path": ["type": "string"], "body": [:]], "required": ["method", "path"]]]]]) { [self] input, _ in
                try await test(ws, requests: input["requests"]?.array)
            },
            Tool(name: "deploy", description: "Deploy the service's files as a new version once deno_check passes and test_service answers. Ends the job.",
                 parameters: ["type": "object", "properties": [:]]) { [self] _, _ in
                let checked = try await check(ws)
                guard checked["ok"]?.bool == true else { throw ToolFailure("deno check fails; fix it first: \(checked["output"]?.string ?? "")") }
                let files = try ws.files()
                let record: ServiceRecord
                do {
                    if try services.store.find(slug) != nil {
                        record = try await services.update(slug, files: files, source: outcome.source)
                    } else {
                        record = try await services.create(slug: slug, files: files, start: true, source: outcome.source)
                    }
                } catch let f as ServiceManager.Failure { throw ToolFailure(f.description) }
                // A service waiting for its secrets is deployed: it starts once the user fills them.
                let waitingFor = await services.supervisor.stopReason(of: record.id)?.missingSecrets ?? []
                let awaitingSecrets = record.status == .stopped && !waitingFor.isEmpty
                guard record.status == .running || awaitingSecrets else {
                    let tail = (try? await services.logs(slug).tail(15).joined(separator: "\n")) ?? ""
                    throw ToolFailure("deployed version \(record.currentVersion) is \(record.status): \(record.reason ?? "") \(tail)")
                }
                var result: JSONValue = ["slug": .string(record.slug), "status": .string(record.status.rawValue), "version": JSONValue(record.currentVersion),
                                         "port": JSONValue(record.port ?? 0)]
                if awaitingSecrets, case .object(var o) = result {
                    o["reason"] = JSONValue(record.reason)
                    result = .object(o)
                }
                outcome.deployed.withLock { $0 = result }
                return result
            },
        ]
    }

    func check(_ ws: Workspace) async throws -> JSONValue {
        guard let deno = sandbox.denoPath else { throw ToolFailure("Deno is not installed on this machine (run scripts/setup)") }
        guard FileManager.default.fileExists(atPath: (ws.root as NSString).appendingPathComponent("main.ts")) else {
            return ["ok": false, "output": "main.ts does not exist yet"]
        }
        let (status, output) = await Codegen.runProcess(deno, ["check", "--no-remote", "--no-npm", "--quiet", "main.ts"], in: ws.root,
                                                          env: ["NO_COLOR": "1", "DENO_DIR": sandbox.denoCache, "DENO_NO_UPDATE_CHECK": "1"], timeout: 60)
        return ["ok": .bool(status == 0), "output": .string(String(output.suffix(6000)))]
    }

    func test(_ ws: Workspace, requests: [JSONValue]?) async throws -> JSONValue {
        let scratch = ((workspacesRoot as NSString).deletingLastPathComponent as NSString).appendingPathComponent("test-runs")
        return try await TestRun(sandbox: sandbox, workspace: ws, scratchRoot: scratch, logger: logger).run(requests: requests)
    }

    /// A check takes seconds: it waits on the long lane, so readiness probes never queue behind it.
    static func runProcess(_ path: String, _ args: [String], in dir: String, env: [String: String], timeout: Double) async -> (Int32, String) {
        await Blocking.run(.long) {
            let p = ChildProcess()
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = args
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            p.environment = env
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            guard (try? p.run()) != nil else { return (127, "cannot run \(path)") }
            let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            killer.cancel()
            return (p.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }
}

enum CodegenPrompt {
    static func brief(_ args: String) -> String {
        guard let v = JSONValue.parse(args) else { return "" }
        return v["path"]?.string ?? v["requests"].map { "(\($0.array?.count ?? 0) requests)" } ?? ""
    }
}

struct PathInput: ToolInput { let path: String }
struct WriteInput: ToolInput { let path: String; let content: String }
// The field names are the tool's JSON Schema's.
struct EditInput: ToolInput { let path: String; let old_text: String; let new_text: String }
