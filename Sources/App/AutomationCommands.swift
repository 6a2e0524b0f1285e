import Core
import Foundation
import HTTPClient
import LLM
import Scheduling

/// `openpieces workflows|runs|tasks …`: clients of a running server's API (and a local cron preview).
enum AutomationCommands {
    static let workflowsHelp = """
        usage: openpieces workflows <command> [args] [--url URL] [--json]

          list                              workflows with trigger, actions and status
          show SLUG                         one workflow, its steps and tasks
          import FILE…                      create or replace from workflows/<slug>.json files (with their tasks)
          export SLUG [-o FILE]             the file form
          delete SLUG
          run SLUG [--input JSON] [--follow]  queue a run now (and follow it)
        """

    static let runsHelp = """
        usage: openpieces runs <command> [args] [--url URL] [--json]

          list [--workflow W] [--status S] [--task ID] [--limit N]   newest first
          show ID                           a run with every step
          follow ID                         live progress until it ends
          cancel ID
          rerun ID                          a new run with the same input
        """

    static let tasksHelp = """
        usage: openpieces tasks <command> [args] [--url URL] [--json]

          list [--workflow W]
          show ID [--next N]                a task and its next N runs
          create WORKFLOW (--schedule CRON | --at ISO-8601) [--timezone ZONE] [--missed skip|run_once]
          enable ID | disable ID | delete ID
          preview CRON [--timezone ZONE] [--next N]   the next runs of an expression (no server needed)

        CRON: 5 fields (minute hour day month weekday) with ranges, steps, lists and names (MON, JAN),
        or @hourly @daily @weekly @monthly @yearly. ZONE: an IANA name such as Europe/Zurich (default UTC).
        """

    static func run(_ group: String, _ arguments: [String], _ environment: [String: String]) async -> Int32 {
        var a = Arguments(arguments)
        let (url, token) = RemoteCommands.target(&a, environment)
        let ctx = RemoteCommands.Context(url: url, json: a.flag("--json"), output: a.take("-o"), token: token)
        return await RemoteCommands.reporting(ctx) {
            switch group {
            case "workflows": return try await workflows(ctx, &a)
            case "runs": return try await runs(ctx, &a)
            default: return try await tasks(ctx, &a)
            }
        }
    }

    typealias CommandError = RemoteCommands.CommandError

    static func request(_ ctx: RemoteCommands.Context, _ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        try await RemoteCommands.request(ctx, method, path, body)
    }

    static func query(_ pairs: [(String, String?)]) -> String {
        let q = pairs.compactMap { k, v in v.map { "\(k)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" } }
        return q.isEmpty ? "" : "?" + q.joined(separator: "&")
    }

    static func workflows(_ ctx: RemoteCommands.Context, _ a: inout Arguments) async throws -> Int32 {
        let input = a.take("--input")
        let follow = a.flag("--follow")
        var args = a.rest
        let command = args.removeFirst()
        switch command {
        case "list":
            let r = try await request(ctx, "GET", "/api/v1/workflows")
            if ctx.json { print(r.text); return 0 }
            let rows = r["workflows"]?.array ?? []
            if rows.isEmpty { print("no workflows yet: import one with `openpieces workflows import workflows/<slug>.json`") }
            for w in rows {
                let actions = (w["actions"]?.array ?? []).compactMap(\.string).joined(separator: ",")
                print([w["slug"]?.string ?? "", w["status"]?.string ?? "", "trigger=\(w["trigger"]?.string ?? "-")", "actions=\(actions.isEmpty ? "-" : actions)",
                       w["title"]?.string ?? ""].joined(separator: "\t"))
            }
        case "show":
            try RemoteCommands.need(args, 1, "openpieces workflows show SLUG")
            let w = try await request(ctx, "GET", "/api/v1/workflows/\(args[0])/export")
            if ctx.json { print(w.text); return 0 }
            print("\(w["slug"]?.string ?? "") — \(w["title"]?.string ?? "") (\(w["status"]?.string ?? ""))")
            if let d = w["description"]?.string, !d.isEmpty { print(d) }
            print("trigger: \(w["trigger"]?.string ?? "none")   actions: \((w["actions"]?.array ?? []).compactMap(\.string).joined(separator: ", "))")
            for (i, s) in (w["steps"]?.array ?? []).enumerated() { print("  \(i + 1). \(s.string ?? "")") }
            for t in w["tasks"]?.array ?? [] { print("task: \(t["schedule"]?.string ?? t["at"]?.string ?? "") \(t["timezone"]?.string ?? "")") }
        case "import":
            try RemoteCommands.need(args, 1, "openpieces workflows import FILE…")
            for path in args {
                guard let data = FileManager.default.contents(atPath: path) else { throw CommandError(message: "cannot read \(path)") }
                guard let body = JSONValue.parse(Array(data)) else { throw CommandError(message: "\(path) is not JSON") }
                let w = try await request(ctx, "POST", "/api/v1/workflows/import", body)
                print(ctx.json ? w.text : "imported \(w["slug"]?.string ?? "") from \(path)\((w["tasks"]?.array?.count).map { $0 > 0 ? " with \($0) task\($0 == 1 ? "" : "s")" : "" } ?? "")")
            }
        case "export":
            try RemoteCommands.need(args, 1, "openpieces workflows export SLUG [-o FILE]")
            let w = try await request(ctx, "GET", "/api/v1/workflows/\(args[0])/export")
            if let out = ctx.output {
                guard FileManager.default.createFile(atPath: out, contents: Data((w.text + "\n").utf8)) else { throw CommandError(message: "cannot write \(out)") }
                print("wrote \(out)")
            } else {
                print(w.text)
            }
        case "delete":
            try RemoteCommands.need(args, 1, "openpieces workflows delete SLUG")
            _ = try await request(ctx, "DELETE", "/api/v1/workflows/\(args[0])")
            print("deleted \(args[0]) and its tasks")
        case "run":
            try RemoteCommands.need(args, 1, "openpieces workflows run SLUG [--input JSON] [--follow]")
            var body: JSONValue = [:]
            if let input {
                guard let v = JSONValue.parse(input) else { throw CommandError(message: "--input must be JSON, e.g. '{\"text\": \"hi\"}'", code: 2) }
                body = ["input": v]
            }
            let run = try await request(ctx, "POST", "/api/v1/workflows/\(args[0])/run", body)
            let id = run["id"]?.string ?? ""
            if follow { return try await followRun(ctx, id) }
            print(ctx.json ? run.text : "queued run \(id) — follow it with `openpieces runs follow \(id)`")
        default:
            throw CommandError(message: "unknown workflows command '\(command)'. See 'openpieces workflows --help'.", code: 2)
        }
        return 0
    }

    static func runs(_ ctx: RemoteCommands.Context, _ a: inout Arguments) async throws -> Int32 {
        let q = query([("workflow", a.take("--workflow")), ("status", a.take("--status")), ("task", a.take("--task")), ("limit", a.take("--limit"))])
        let args = a.rest
        switch args[0] {
        case "list":
            let r = try await request(ctx, "GET", "/api/v1/runs" + q)
            if ctx.json { print(r.text); return 0 }
            let rows = r["runs"]?.array ?? []
            if rows.isEmpty { print("no runs") }
            for run in rows {
                print([run["id"]?.string ?? "", run["workflow"]?.string ?? "", run["status"]?.string ?? "", run["cause"]?.string ?? "",
                       run["created"]?.string ?? "", run["error"]?.string ?? run["report"]?.string ?? ""].joined(separator: "\t"))
            }
        case "show":
            try RemoteCommands.need(args, 2, "openpieces runs show ID")
            let r = try await request(ctx, "GET", "/api/v1/runs/\(args[1])")
            if ctx.json { print(r.text); return 0 }
            printRun(r)
            for s in r["steps"]?.array ?? [] { printStep(s) }
        case "follow":
            try RemoteCommands.need(args, 2, "openpieces runs follow ID")
            return try await followRun(ctx, args[1])
        case "cancel":
            try RemoteCommands.need(args, 2, "openpieces runs cancel ID")
            let r = try await request(ctx, "POST", "/api/v1/runs/\(args[1])/cancel")
            print(ctx.json ? r.text : "\(args[1]): \(r["status"]?.string ?? "")")
        case "rerun":
            try RemoteCommands.need(args, 2, "openpieces runs rerun ID")
            let r = try await request(ctx, "POST", "/api/v1/runs/\(args[1])/rerun")
            print(ctx.json ? r.text : "queued run \(r["id"]?.string ?? "") (a re-run of \(args[1]))")
        default:
            throw CommandError(message: "unknown runs command '\(args[0])'. See 'openpieces runs --help'.", code: 2)
        }
        return 0
    }

    static func printRun(_ r: JSONValue) {
        print("run \(r["id"]?.string ?? "") of \(r["workflow"]?.string ?? ""): \(r["status"]?.string ?? "") (\(r["cause"]?.string ?? ""), attempt \(r["attempts"]?.int ?? 0))")
        if let e = r["error"]?.string { print("error: \(e)") }
        if let rep = r["report"]?.string { print("report: \(rep)") }
    }

    static func printStep(_ s: JSONValue) {
        let status = s["status"]?.string == "ok" ? "ok" : (s["retryable"]?.bool == true ? "retry" : "error")
        print("  \(s["seq"]?.int ?? 0). \(s["tool"]?.string ?? "") [\(status), \(s["ms"]?.int ?? 0) ms] \(String(s["input"]?.text.prefix(160) ?? ""))")
        print("     → \(String(s["output"]?.text.prefix(240) ?? ""))")
    }

    /// Prints a run's progress as it happens; exits 0 if it succeeded, 1 otherwise.
    static func followRun(_ ctx: RemoteCommands.Context, _ id: String) async throws -> Int32 {
        let stream = try await ctx.client.stream(ClientRequest(url: ctx.url + "/api/v1/runs/\(id)/events", timeout: 0, stallTimeout: 0))
        guard stream.status == 200 else { throw CommandError(message: "no run '\(id)'. List them with `openpieces runs list`.") }
        var parser = SSEParser()
        var final = "failed"
        for try await chunk in stream.body {
            for event in parser.feedEvents(chunk) {
                let name = event.name, data = JSONValue.parse(event.data) ?? .string(event.data)
                if ctx.json { print(JSONValue.object(["event": .string(name), "data": data]).text); RemoteCommands.fflushStdout(); }
                switch name {
                case "run" where !ctx.json:
                    printRun(data)
                    for s in data["steps"]?.array ?? [] { printStep(s) }
                case "step_started" where !ctx.json: print("  … \(data["tool"]?.string ?? "")")
                case "step" where !ctx.json: printStep(data)
                case "status" where !ctx.json:
                    print("  status: \(data["status"]?.string ?? "")\(data["reason"]?.string.map { " — \($0)" } ?? "")")
                case "done":
                    final = data["status"]?.string ?? "failed"
                    if !ctx.json { print("\(final)\(data["error"]?.string.map { ": \($0)" } ?? data["report"]?.string.map { ": \($0)" } ?? "")") }
                default: break
                }
                RemoteCommands.fflushStdout()
            }
        }
        return final == "succeeded" ? 0 : 1
    }

    static func tasks(_ ctx: RemoteCommands.Context, _ a: inout Arguments) async throws -> Int32 {
        let workflow = a.take("--workflow"), schedule = a.take("--schedule"), at = a.take("--at"), zone = a.take("--timezone")
        let missed = a.take("--missed"), next = a.take("--next")
        let args = a.rest
        func show(_ t: JSONValue) {
            let when = t["schedule"]?.string ?? "at \(t["at"]?.string ?? "")"
            print([t["id"]?.string ?? "", t["workflow"]?.string ?? "", when, t["timezone"]?.string ?? "", t["enabled"]?.bool == true ? "enabled" : "disabled",
                   "next=\(t["nextRun"]?.string ?? "-")", "last=\(t["lastRun"]?.string ?? "-")"].joined(separator: "\t"))
        }
        switch args[0] {
        case "list":
            let r = try await request(ctx, "GET", "/api/v1/tasks" + query([("workflow", workflow)]))
            if ctx.json { print(r.text); return 0 }
            let rows = r["tasks"]?.array ?? []
            if rows.isEmpty { print("no tasks") }
            rows.forEach(show)
        case "show":
            try RemoteCommands.need(args, 2, "openpieces tasks show ID [--next N]")
            let t = try await request(ctx, "GET", "/api/v1/tasks/\(args[1])" + query([("next", next)]))
            if ctx.json { print(t.text); return 0 }
            show(t)
            if let s = t["schedule"]?.string { print("  \(CronExpression.describe(s))") }
            for d in t["preview"]?.array ?? [] { print("  next: \(d.string ?? "")") }
        case "create":
            try RemoteCommands.need(args, 2, "openpieces tasks create WORKFLOW (--schedule CRON | --at ISO-8601) [--timezone ZONE]")
            var body: [String: JSONValue] = ["workflow": .string(args[1])]
            if let schedule { body["schedule"] = .string(schedule) }
            if let at { body["at"] = .string(at) }
            if let zone { body["timezone"] = .string(zone) }
            if let missed { body["missed"] = .string(missed) }
            let t = try await request(ctx, "POST", "/api/v1/tasks", .object(body))
            if ctx.json { print(t.text); return 0 }
            show(t)
            for d in t["preview"]?.array ?? [] { print("  next: \(d.string ?? "")") }
        case "enable", "disable":
            try RemoteCommands.need(args, 2, "openpieces tasks \(args[0]) ID")
            let t = try await request(ctx, "POST", "/api/v1/tasks/\(args[1])/\(args[0])")
            if ctx.json { print(t.text) } else { show(t) }
        case "delete":
            try RemoteCommands.need(args, 2, "openpieces tasks delete ID")
            _ = try await request(ctx, "DELETE", "/api/v1/tasks/\(args[1])")
            print("deleted \(args[1])")
        case "preview":
            try RemoteCommands.need(args, 2, "openpieces tasks preview CRON [--timezone ZONE] [--next N]")
            let expression = args[1...].joined(separator: " ")
            guard let tz = TimeZone(identifier: zone ?? "UTC") else { throw CommandError(message: "'\(zone ?? "")' is not an IANA time zone (e.g. Europe/Zurich).", code: 2) }
            let cron: CronExpression
            do { cron = try CronExpression(expression) } catch { throw CommandError(message: "invalid cron expression '\(expression)' \(error.description)", code: 2) }
            let count = min(100, max(1, Int(next ?? "5") ?? 5))
            print(CronExpression.describe(expression))
            let local = DateFormatter()
            local.timeZone = tz
            local.dateFormat = "EEE yyyy-MM-dd HH:mm zzz"
            local.locale = Locale(identifier: "en_US_POSIX")
            for d in cron.preview(after: Date(), in: tz, count: count) { print("\(Clock.iso8601(d))\t\(local.string(from: d))") }
        default:
            throw CommandError(message: "unknown tasks command '\(args[0])'. See 'openpieces tasks --help'.", code: 2)
        }
        return 0
    }
}
