import Core
import Foundation
import HTTPClient
import LLM
import Services
import Auth
import CNetShim
#if canImport(Glibc)
import Glibc
#endif

/// `openpieces services …` and `openpieces secrets …`: clients of a running server's API.
enum RemoteCommands {
    struct Context {
        let url: String
        let json: Bool
        var tail: String?
        var output: String?
        var kind: String?
        var tag: String?
        let client: HTTPClient

        init(url: String, json: Bool, tail: String? = nil, output: String? = nil, token: String?) {
            self.url = url
            self.json = json
            self.tail = tail
            self.output = output
            client = HTTPClient(maxResponseBytes: 256 * 1024 * 1024, defaultHeaders: token.map { [("Authorization", "Bearer \($0)")] } ?? [])
        }
    }

    /// The server a command talks to (--url, else OPENPIECES_URL, else http://127.0.0.1:39300) and the token it
    /// sends: --token, else OPENPIECES_TOKEN (the admin token or an API key), else, for a server on this machine, the
    /// local credential the server left in its data directory (OPENPIECES_HOME, default ~/.openpieces).
    static func target(_ parsed: inout Arguments, _ environment: [String: String]) -> (url: String, token: String?) {
        var url = parsed.take("--url") ?? environment["OPENPIECES_URL"] ?? "http://127.0.0.1:39300"
        while url.hasSuffix("/") { url.removeLast() }
        if let given = parsed.take("--token") ?? environment["OPENPIECES_TOKEN"].flatMap({ $0.isEmpty ? nil : $0 }) { return (url, given) }
        guard let parts = URLComponents(string: url), parts.scheme == "http", let host = parts.host, ServiceURLs.isLoopbackName(host) else {
            return (url, nil)
        }
        let home = environment["OPENPIECES_HOME"].flatMap { $0.isEmpty ? nil : ($0 as NSString).expandingTildeInPath }
            ?? environment["HOME"].map { ($0 as NSString).appendingPathComponent(".openpieces") } ?? "/var/lib/openpieces"
        // Only to the port the server wrote: another program listening on this machine never gets the token.
        guard let entry = LocalCredential.read(home: home), entry.port == (parts.port ?? 80) else { return (url, nil) }
        return (url, entry.token)
    }

    static let tokenHint = """
        Set OPENPIECES_TOKEN (or pass --token) to the admin token printed at the server's first start, or to an API \
        key. On the server's own machine the CLI signs in by itself when it can read the server's data directory: \
        set OPENPIECES_HOME if that is not ~/.openpieces.
        """

    static let servicesHelp = """
        usage: openpieces services <command> [args] [--url URL] [--json]

          list                         services with status and URL
          show SLUG                    one service, its endpoints and secrets
          create SLUG DIR [--no-start] deploy the files of DIR (main.ts, service.json, …)
          update SLUG DIR              deploy a new version from DIR
          start|stop|restart SLUG
          archive SLUG                 stop it and keep it out of the way
          delete SLUG                  remove it and its files
          rollback SLUG VERSION        redeploy an earlier version
          logs SLUG [--tail N] [--follow]
          download SLUG [-o FILE]      its files as .tar.gz
          endpoints SLUG

        The server is found at --url, else OPENPIECES_URL, else http://127.0.0.1:39300.
        """

    static let secretsHelp = """
        usage: openpieces secrets <command> [args] [--url URL]

          list                 names, whether each is set, and which services need it (never values)
          set NAME [VALUE]     without VALUE, reads it from standard input (keeps it out of shell history)
          delete NAME
        """

    static let brainHelp = """
        usage: openpieces brain <command> [args] [--url URL] [--json]

          list [--kind K] [--tag T]          recent entries
          search QUERY [--kind K] [--tag T]  ranked by relevance and confidence
          add KIND TEXT [--tag T]            KIND: fact, decision, preference, service, history
          edit ID TEXT                       replace an entry's text
          rm ID
        """

    static func run(_ group: String, _ arguments: [String], _ environment: [String: String]) async -> Int32 {
        var parsed = Arguments(arguments)
        let (url, token) = target(&parsed, environment)
        let json = parsed.flag("--json")
        var ctx = Context(url: url, json: json, tail: parsed.take("--tail"), output: parsed.take("-o"), token: token)
        ctx.kind = parsed.take("--kind")
        ctx.tag = parsed.take("--tag")
        let args = parsed.rest
        return await reporting(ctx) {
            switch group {
            case "services": return try await services(ctx, args)
            case "brain": return try await brain(ctx, args)
            default: return try await secrets(ctx, args)
            }
        }
    }

    /// Runs a command, turning its failures into a message that says what to do and the exit code.
    static func reporting(_ ctx: Context, _ body: () async throws -> Int32) async -> Int32 {
        do {
            return try await body()
        } catch let e as CommandError {
            CLI.fail(e.message)
            return e.code
        } catch let e as HTTPClientError {
            CLI.fail("cannot reach openpieces at \(ctx.url) (\(e)). Is `openpieces serve` running? Pass --url or set OPENPIECES_URL.")
            return 1
        } catch {
            CLI.fail("\(error)")
            return 1
        }
    }

    struct CommandError: Error {
        let message: String
        var code: Int32 = 1
    }

    static func request(_ ctx: Context, _ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let r = try await ctx.client.send(ClientRequest(method: method, url: ctx.url + path, headers: [("Content-Type", "application/json")],
                                                        body: body?.bytes, timeout: 120))
        let json = JSONValue.parse(r.body) ?? .null
        guard (200..<300).contains(r.status) else {
            let message = json["error"]?["message"]?.string ?? "HTTP \(r.status): \(r.text.prefix(200))"
            throw CommandError(message: r.status == 401 ? "\(message) \(tokenHint)" : message)
        }
        return json
    }

    static func need(_ args: [String], _ n: Int, _ usage: String) throws {
        guard args.count >= n else { throw CommandError(message: "usage: \(usage)", code: 2) }
    }

    static func localFiles(_ dir: String) throws -> JSONValue {
        let found = try ServiceFiles(servicesRoot: "/", versionsRoot: "/").read(dir: dir)
        return .object(found.mapValues { .string(String(decoding: $0, as: UTF8.self)) })
    }

    static func services(_ ctx: Context, _ all: [String]) async throws -> Int32 {
        var args = all
        let command = args.removeFirst()
        switch command {
        case "list":
            let r = try await request(ctx, "GET", "/api/v1/services")
            if ctx.json { print(r.text); return 0 }
            let rows = r["services"]?.array ?? []
            if rows.isEmpty { print("no services yet: create one with `openpieces services create SLUG DIR`") }
            for s in rows {
                let line = [s["slug"]?.string ?? "", s["status"]?.string ?? "", "v\(s["version"]?.int ?? 0)", s["url"]?.string ?? ""]
                print(line.joined(separator: "\t"))
            }
        case "show", "endpoints":
            try need(args, 1, "openpieces services \(command) SLUG")
            let r = try await request(ctx, "GET", "/api/v1/services/\(args[0])")
            if ctx.json { print(r.text); return 0 }
            if command == "show" {
                print("\(r["slug"]?.string ?? "") (\(r["kind"]?.string ?? "")) — \(r["status"]?.string ?? "") — version \(r["version"]?.int ?? 0)")
                print("url: \(r["url"]?.string ?? "")")
                if let reason = r["reason"]?.string { print("reason: \(reason)") }
                for s in r["secrets"]?.array ?? [] { print("secret \(s["name"]?.string ?? ""): \(s["set"]?.bool == true ? "set" : "missing")") }
            }
            for e in r["endpoints"]?.array ?? [] {
                print("\(e["method"]?.string ?? "")\t\(e["path"]?.string ?? "")\t\(e["id"]?.string ?? "")\t\(e["description"]?.string ?? "")")
            }
        case "create", "update":
            try need(args, 2, "openpieces services \(command) SLUG DIR")
            let files = try localFiles(args[1])
            let r = command == "create"
                ? try await request(ctx, "POST", "/api/v1/services", ["slug": .string(args[0]), "files": files, "start": .bool(!args.contains("--no-start"))])
                : try await request(ctx, "PATCH", "/api/v1/services/\(args[0])", ["files": files])
            print(ctx.json ? r.text : "\(r["slug"]?.string ?? "") v\(r["version"]?.int ?? 0): \(r["status"]?.string ?? "")\(r["reason"]?.string.map { " — \($0)" } ?? "") \(r["url"]?.string ?? "")")
        case "start", "stop", "restart", "archive":
            try need(args, 1, "openpieces services \(command) SLUG")
            let r = try await request(ctx, "POST", "/api/v1/services/\(args[0])/\(command)")
            print(ctx.json ? r.text : "\(args[0]): \(r["status"]?.string ?? "")\(r["reason"]?.string.map { " — \($0)" } ?? "")")
        case "delete":
            try need(args, 1, "openpieces services delete SLUG")
            _ = try await request(ctx, "DELETE", "/api/v1/services/\(args[0])")
            print("deleted \(args[0])")
        case "rollback":
            try need(args, 2, "openpieces services rollback SLUG VERSION")
            guard let v = Int(args[1]) else { throw CommandError(message: "VERSION must be a number", code: 2) }
            let r = try await request(ctx, "POST", "/api/v1/services/\(args[0])/rollback", ["version": JSONValue(v)])
            print("\(args[0]) now at version \(r["version"]?.int ?? v): \(r["status"]?.string ?? "")")
        case "logs":
            try need(args, 1, "openpieces services logs SLUG [--tail N] [--follow]")
            let tail = ctx.tail ?? "100"
            if args.contains("--follow") {
                let stream = try await ctx.client.stream(ClientRequest(url: ctx.url + "/api/v1/services/\(args[0])/logs?follow=1&tail=\(tail)", timeout: 0, stallTimeout: 0))
                guard stream.status == 200 else { throw CommandError(message: "no such service '\(args[0])'") }
                var parser = SSEParser()
                for try await chunk in stream.body {
                    for line in parser.feed(chunk) { print(line); fflushStdout() }
                }
            } else {
                let r = try await request(ctx, "GET", "/api/v1/services/\(args[0])/logs?tail=\(tail)")
                for l in r["lines"]?.array ?? [] { print(l.string ?? "") }
            }
        case "download":
            try need(args, 1, "openpieces services download SLUG [-o FILE]")
            let out = ctx.output ?? "\(args[0]).tar.gz"
            let r = try await ctx.client.send(ClientRequest(url: ctx.url + "/api/v1/services/\(args[0])/download", timeout: 120))
            guard r.status == 200 else { throw CommandError(message: JSONValue.parse(r.body)?["error"]?["message"]?.string ?? "HTTP \(r.status)") }
            guard FileManager.default.createFile(atPath: out, contents: Data(r.body)) else { throw CommandError(message: "cannot write \(out)") }
            print("wrote \(out) (\(r.body.count) bytes)")
        default:
            throw CommandError(message: "unknown services command '\(command)'. See 'openpieces services --help'.", code: 2)
        }
        return 0
    }

    static func secrets(_ ctx: Context, _ args: [String]) async throws -> Int32 {
        switch args[0] {
        case "list":
            let r = try await request(ctx, "GET", "/api/v1/secrets")
            if ctx.json { print(r.text); return 0 }
            for s in r["secrets"]?.array ?? [] {
                let users = (s["services"]?.array ?? []).compactMap(\.string).joined(separator: ",")
                print("\(s["name"]?.string ?? "")\t\(s["set"]?.bool == true ? "set" : "missing")\t\(users)")
            }
        case "set":
            try need(args, 2, "openpieces secrets set NAME [VALUE]")
            var value = args.count > 2 ? args[2] : ""
            if args.count == 2 {
                value = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                if value.hasSuffix("\n") { value.removeLast() }
            }
            let r = try await request(ctx, "PUT", "/api/v1/secrets/\(args[1])", ["value": .string(value)])
            print("\(args[1]) set (\(r["hint"]?.string ?? ""))")
        case "delete":
            try need(args, 2, "openpieces secrets delete NAME")
            _ = try await request(ctx, "DELETE", "/api/v1/secrets/\(args[1])")
            print("deleted \(args[1])")
        default:
            throw CommandError(message: "unknown secrets command '\(args[0])'. See 'openpieces secrets --help'.", code: 2)
        }
        return 0
    }

    static func brain(_ ctx: Context, _ args: [String]) async throws -> Int32 {
        func query(_ extra: [String: String]) -> String {
            var q = extra
            if let k = ctx.kind { q["kind"] = k }
            if let t = ctx.tag { q["tag"] = t }
            let pairs = q.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
        }
        func show(_ r: JSONValue) {
            if ctx.json { print(r.text); return }
            for e in r["entries"]?.array ?? [] {
                let tags = (e["tags"]?.array ?? []).compactMap(\.string).joined(separator: ",")
                print("\(e["id"]?.string ?? "")\t\(e["kind"]?.string ?? "")\t\(String(format: "%.2f", e["confidence"]?.double ?? 0))\t\(tags)\t\(e["text"]?.string ?? "")")
            }
        }
        switch args[0] {
        case "list":
            show(try await request(ctx, "GET", "/api/v1/brain" + query([:])))
        case "search":
            try need(args, 2, "openpieces brain search QUERY")
            show(try await request(ctx, "GET", "/api/v1/brain" + query(["query": args[1...].joined(separator: " ")])))
        case "add":
            try need(args, 3, "openpieces brain add KIND TEXT [--tag T]")
            let r = try await request(ctx, "POST", "/api/v1/brain", ["kind": .string(args[1]), "text": .string(args[2...].joined(separator: " ")),
                                                                    "tags": .array(ctx.tag.map { [.string($0)] } ?? [])])
            print(ctx.json ? r.text : "\(r["merged"]?.bool == true ? "reinforced" : "added") \(r["id"]?.string ?? "")")
        case "edit":
            try need(args, 3, "openpieces brain edit ID TEXT")
            _ = try await request(ctx, "PATCH", "/api/v1/brain/\(args[1])", ["text": .string(args[2...].joined(separator: " "))])
            print("edited \(args[1])")
        case "rm":
            try need(args, 2, "openpieces brain rm ID")
            _ = try await request(ctx, "DELETE", "/api/v1/brain/\(args[1])")
            print("removed \(args[1])")
        default:
            throw CommandError(message: "unknown brain command '\(args[0])'. See 'openpieces brain --help'.", code: 2)
        }
        return 0
    }

    static func fflushStdout() { fflush(op_stdout()) }
}

/// Command-line arguments, with options taken out as they are read.
struct Arguments {
    private(set) var rest: [String]

    init(_ arguments: [String]) { rest = arguments }

    func contains(_ flag: String) -> Bool { rest.contains(flag) }

    /// The value after `flag`, removing both.
    mutating func take(_ flag: String) -> String? {
        guard let i = rest.firstIndex(of: flag), i + 1 < rest.count else { return nil }
        let v = rest[i + 1]
        rest.removeSubrange(i...(i + 1))
        return v
    }

    /// Whether a bare `flag` was given, removing it.
    mutating func flag(_ flag: String) -> Bool {
        let found = rest.contains(flag)
        rest.removeAll { $0 == flag }
        return found
    }
}
