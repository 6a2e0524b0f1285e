import Core
import Foundation
import ScriptedLLM

/// `openpieces eval`: measures a model on the request suite. Each request gets a fresh data directory and a fresh
/// server; its messages go through the chat API; then its checks run against what was built.
enum EvalCommand {
    static let help = """
        usage: openpieces eval [--model NAME] [--only NAME[,NAME…]] [--replay DIR] [--suite DIR] [--jobs N] [--home DIR]
                               [--llm-provider NAME] [--llm-base-url URL] [--llm-api-key KEY] [--llm-model NAME]
                               [--llm-prices model=in/out,…] [--agent-turns N]

        Runs every request of the suite (default eval/requests/*.json) against the configured model: the --llm-* and
        --agent-turns flags or their OPENPIECES_* variables, as for serve (--model overrides the model; --llm-prices shows
        cost). With --replay DIR, a scripted server replays DIR/<request>.json instead (offline, what CI runs).
        Each request runs in <home>/eval/<timestamp>/<request>/ with its own `openpieces serve`; its chats (chats.json),
        runs (runs.json) and server log stay there. Prints a table; exits 1 if any request fails.
        """

    struct Options: Sendable {
        var suite = "eval/requests"
        var replay: String?
        var only: Set<String>?
        var jobs = 1
        var home: String
        var llmArguments: [String] = []
    }

    static func run(_ arguments: [String], _ environment: [String: String]) async -> Int32 {
        var args = Arguments(arguments)
        var o = Options(home: environment["OPENPIECES_HOME"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".openpieces"))
        if let s = args.take("--suite") { o.suite = s }
        o.replay = args.take("--replay")
        if let h = args.take("--home") { o.home = h }
        if let only = args.take("--only") { o.only = Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        if let j = args.take("--jobs") {
            guard let n = Int(j), (1...16).contains(n) else { CLI.fail("--jobs takes 1 to 16."); return 2 }
            o.jobs = n
        }
        for flag in ["--llm-provider", "--llm-base-url", "--llm-api-key", "--llm-model", "--llm-prices", "--agent-turns"] {
            if let v = args.take(flag) { o.llmArguments += [flag, v] }
        }
        if let m = args.take("--model") { o.llmArguments += ["--llm-model", m] }
        guard args.rest.isEmpty else { CLI.fail("unexpected argument '\(args.rest[0])'. See 'openpieces eval --help'."); return 2 }
        if o.replay != nil, o.llmArguments.contains(where: { ["--llm-provider", "--llm-base-url", "--llm-api-key", "--llm-model"].contains($0) }) {
            CLI.fail("--replay plays recorded turns; it takes no model flags.")
            return 2
        }

        let configured = o.llmArguments.contains("--llm-base-url") || o.llmArguments.contains("--llm-provider")
            || environment["OPENPIECES_LLM_BASE_URL"] != nil || environment["OPENPIECES_LLM_PROVIDER"] != nil
        if o.replay == nil, !configured {
            log("eval: warning: no model configured (--llm-base-url or OPENPIECES_LLM_BASE_URL): each server runs its offline engine, "
                + "which builds only the requests it can read (README: Offline engine). Settings stored with /api/v1/settings/llm are not used by fresh servers.")
        }
        let requests: [EvalRequest]
        do { requests = try load(o) } catch { CLI.fail("\(error)"); return 2 }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let root = ((o.home as NSString).appendingPathComponent("eval") as NSString).appendingPathComponent(stamp)
        log("eval: \(requests.count) requests\(o.replay.map { ", replaying \($0)" } ?? ""); transcripts in \(root)")

        let options = o
        let results = await withTaskGroup(of: EvalResult.self) { group in
            var pending = requests[...]
            var done: [EvalResult] = []
            for _ in 0..<min(options.jobs, pending.count) {
                let r = pending.removeFirst()
                group.addTask { await EvalRunner(request: r, options: options, environment: environment, root: root).run() }
            }
            for await result in group {
                done.append(result)
                log("eval: \(result.name) \(result.passed ? "passed" : "FAILED: \(result.reason ?? "")") (\(done.count)/\(requests.count))")
                if let r = pending.popFirst() {
                    group.addTask { await EvalRunner(request: r, options: options, environment: environment, root: root).run() }
                }
            }
            return done
        }
        let ordered = requests.compactMap { r in results.first { $0.name == r.name } }
        print(EvalResult.table(ordered))
        let failed = ordered.filter { !$0.passed }.count
        print("\(ordered.count - failed) of \(ordered.count) passed. Transcripts: \(root)")
        RemoteCommands.fflushStdout()
        return failed == 0 ? 0 : 1
    }

    static func load(_ o: Options) throws -> [EvalRequest] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: o.suite) else {
            throw EvalError("no suite at \(o.suite). Run from the repository's root, or pass --suite DIR.")
        }
        let requests = try names.filter { $0.hasSuffix(".json") }.sorted().map { try EvalRequest.load((o.suite as NSString).appendingPathComponent($0)) }
        guard let only = o.only else { return requests }
        let unknown = only.subtracting(requests.map(\.name))
        guard unknown.isEmpty else { throw EvalError("no request named \(unknown.sorted().joined(separator: ", ")) in \(o.suite).") }
        return requests.filter { only.contains($0.name) }
    }

    static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
