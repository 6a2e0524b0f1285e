import Core
import Foundation
import ScriptedLLM

/// One request, start to end: its server (and, replaying, its scripted model), its messages, its checks, its transcripts.
struct EvalRunner {
    let request: EvalRequest
    let options: EvalCommand.Options
    let environment: [String: String]
    let root: String

    func run() async -> EvalResult {
        let started = Date()
        var result = EvalResult(name: request.name)
        let dir = (root as NSString).appendingPathComponent(request.name)
        var fake: ScriptedLLMServer?
        var server: EvalServer?
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var llm = options.llmArguments
            if let replay = options.replay {
                let path = (replay as NSString).appendingPathComponent(request.name + ".json")
                guard FileManager.default.fileExists(atPath: path) else { throw EvalError("no recorded transcript \(path)") }
                let f = try ScriptedLLMServer(try ScriptFile.load(path), chunkDelay: 0)
                fake = f
                // Recorded turns speak the OpenAI-compatible protocol; prices and budgets still apply.
                llm = ["--llm-provider", "openai", "--llm-base-url", f.baseURL, "--llm-model", "replay"] + llm
            }
            let s = try EvalServer(directory: dir, llmArguments: llm, environment: environment, dropLLMEnvironment: options.replay != nil)
            server = s
            try await s.waitUntilListening()
            let api = EvalAPI(base: s.base, token: s.token)
            let (status, chat) = try await api.send("POST", "/api/v1/chats", ["title": .string("eval: \(request.name)")])
            guard status == 201, let id = chat["id"]?.string else { throw EvalError("creating a chat answered \(status)") }
            for (i, m) in request.messages.enumerated() {
                EvalCommand.log("eval: \(request.name): message \(i + 1) of \(request.messages.count)")
                if let failure = try await api.chat(id, m, progress: { EvalCommand.log("eval: \(request.name): \($0)") }) {
                    throw EvalError("message \(i + 1): \(failure)")
                }
            }
            var checks = EvalChecks(api: api, runTimeout: options.replay == nil ? 300 : 60)
            for (i, c) in request.checks.enumerated() {
                EvalCommand.log("eval: \(request.name): check \(i + 1) \(c.label)")
                do { try await checks.run(c) } catch {
                    throw EvalError("check \(i + 1) (\(c.label)): \(error)")
                }
            }
            result.passed = true
            try? await record(api, dir, &result)
        } catch {
            result.reason = "\(error)"
            if let s = server, s.port > 0 { try? await record(EvalAPI(base: s.base, token: s.token), dir, &result) }
        }
        await server?.stop()
        await fake?.shutdown()
        // Deno's cache is megabytes per request and no part of the record.
        if let home = server?.home { try? FileManager.default.removeItem(atPath: (home as NSString).appendingPathComponent("deno-cache")) }
        result.seconds = Date().timeIntervalSince(started)
        return result
    }

    /// Keeps every chat (the Orchestrator's and the code-generation sessions) and every run with its steps, and adds up
    /// model calls, tokens and cost from the `usage` the server reports on each (code generation counts in its chat).
    func record(_ api: EvalAPI, _ dir: String, _ result: inout EvalResult) async throws {
        var usage = EvalResult.Usage()
        var assistantTurns = 0
        var chats: [JSONValue] = []
        let mine = try await api.get("/api/v1/chats")["chats"]?.array ?? []
        let sessions = try await api.get("/api/v1/chats?agent=codegen")["chats"]?.array ?? []
        for c in mine + sessions {
            guard let id = c["id"]?.string else { continue }
            let full = try await api.get("/api/v1/chats/\(id)")
            chats.append(full)
            assistantTurns += (full["messages"]?.array ?? []).filter { $0["role"]?.string == "assistant" }.count
            usage.add(full["usage"])
        }
        var runs: [JSONValue] = []
        for r in try await api.get("/api/v1/runs?limit=1000")["runs"]?.array ?? [] {
            guard let id = r["id"]?.string else { continue }
            let full = try await api.get("/api/v1/runs/\(id)")
            runs.append(full)
            usage.add(full["usage"])
        }
        // Without the server's count, assistant messages are the next best measure of model turns.
        result.turns = usage.reported ? usage.calls : assistantTurns
        if usage.reported { result.usage = usage }
        try JSONValue.array(chats).text.write(toFile: (dir as NSString).appendingPathComponent("chats.json"), atomically: true, encoding: .utf8)
        try JSONValue.array(runs).text.write(toFile: (dir as NSString).appendingPathComponent("runs.json"), atomically: true, encoding: .utf8)
    }
}

/// One row of the table.
struct EvalResult: Sendable {
    struct Usage: Sendable {
        var reported = false
        var calls = 0
        var promptTokens = 0
        var completionTokens = 0
        /// Nil unless the server prices the model (`--llm-prices`).
        var cost: Double?

        mutating func add(_ u: JSONValue?) {
            guard let u, u.object != nil else { return }
            reported = true
            calls += u["calls"]?.int ?? 0
            promptTokens += u["promptTokens"]?.int ?? 0
            completionTokens += u["completionTokens"]?.int ?? 0
            if let c = u["cost"]?.double { cost = (cost ?? 0) + c }
        }
    }

    let name: String
    var passed = false
    /// The first failing check's reason.
    var reason: String?
    var seconds = 0.0
    var turns = 0
    var usage: Usage?

    static func table(_ rows: [EvalResult]) -> String {
        let width = max(8, rows.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
        var lines = [pad("request", width) + "  result  time     turns  tokens    cost      reason"]
        for r in rows {
            let tokens = r.usage.map { "\($0.promptTokens + $0.completionTokens)" } ?? "-"
            let cost = r.usage?.cost.map { String(format: "$%.4f", $0) } ?? "-"
            lines.append(pad(r.name, width) + "  " + pad(r.passed ? "pass" : "FAIL", 6) + "  " + pad(String(format: "%.1fs", r.seconds), 7) + "  "
                         + pad("\(r.turns)", 5) + "  " + pad(tokens, 8) + "  " + pad(cost, 8) + "  " + (r.reason ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}
