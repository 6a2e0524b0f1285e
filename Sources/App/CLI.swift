import Core
import Foundation
import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

/// `openpieces serve | version | help`, with `--help` everywhere.
public enum CLI {
    public static func main(_ arguments: [String], environment: [String: String]) async -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let command = arguments.first ?? "help"
        let rest = Array(arguments.dropFirst())
        switch command {
        case "serve":
            if rest.contains("--help") || rest.contains("-h") { print(serveHelp); return 0 }
            return await serve(rest, environment)
        case "chat":
            return await ChatCommand.run(rest, environment)
        case "eval":
            return await EvalCommand.run(rest, environment)
        case "services", "secrets", "brain":
            return await RemoteCommands.run(command, rest, environment)
        case "workflows", "runs", "tasks":
            return await AutomationCommands.run(command, rest, environment)
        case "admin-token":
            return AdminTokenCommand.run(rest, environment)
        case "doctor":
            if rest.contains("--help") || rest.contains("-h") { print("usage: openpieces doctor [--home DIR]\n\nChecks what the platform needs: Deno, the data directory, the database, the master key."); return 0 }
            return Doctor.run(rest, environment)
        case "import-assets":
            if rest.contains("--help") || rest.contains("-h") { print(importHelp); return 0 }
            return await importAssets(rest, environment)
        case "version", "--version", "-V":
            if rest.contains("--help") || rest.contains("-h") { print("usage: openpieces version\n\nPrints the product version and the Pieces OS API level it serves."); return 0 }
            print("openpieces \(ProductVersion.current) (Pieces OS API \(ProductVersion.piecesAPILevel))")
            return 0
        case "help", "--help", "-h":
            if rest.first == "serve" { print(serveHelp) } else { print(mainHelp) }
            return 0
        default:
            fail("unknown command '\(command)'. Run 'openpieces help' for the commands.")
            return 2
        }
    }

    static func serve(_ arguments: [String], _ environment: [String: String]) async -> Int32 {
        // Everything the platform writes (database, keys, service files, logs) is for this user only.
        umask(0o077)
        let options: ServeOptions
        do {
            options = try OptionSpec.resolve(arguments: arguments, environment: environment)
        } catch {
            fail("\(error.message). See 'openpieces serve --help'.")
            return 2
        }
        let logger = Logger(sink: LogSink(level: options.logLevel, format: options.logFormat))
        let app: Application
        do {
            app = try Application(options: options, logger: logger)
        } catch let e as ServerError {
            switch e {
            case .addressInUse:
                fail("\(e) (is another openpieces running?). Pass --port <n> or set OPENPIECES_PORT to use another port.")
            case .permissionDenied:
                fail("\(e). Ports below 1024 need privileges: pass --port with a port of 1024 or more.")
            case .badHost:
                fail("\(e). Pass --host with an address of this machine, such as 127.0.0.1.")
            case .system:
                fail("\(e)")
            }
            return 1
        } catch {
            fail("\(error)")
            return 1
        }
        await app.runUntilSignalled()
        return 0
    }

    static let importHelp = """
        usage: openpieces import-assets FILE.jsonl [--home <dir>]

        Saves one snippet per line, {"name": "...", "text": "..."}, into the data directory (searchable at once).
        Run it while the server is stopped or running; it commits every 5000 lines and reports progress.
        """

    static func importAssets(_ arguments: [String], _ environment: [String: String]) async -> Int32 {
        guard let file = arguments.first, !file.hasPrefix("--") else {
            fail("import-assets needs a file. See 'openpieces import-assets --help'.")
            return 2
        }
        let options: ServeOptions
        do { options = try OptionSpec.resolve(arguments: Array(arguments.dropFirst()), environment: environment) } catch {
            fail("\(error.message). See 'openpieces import-assets --help'.")
            return 2
        }
        guard let handle = FileHandle(forReadingAtPath: file) else {
            fail("cannot read \(file). Check the path.")
            return 1
        }
        let logger = Logger(sink: LogSink(level: .info, format: options.logFormat))
        do {
            let app = try Application(options: options, logger: logger, environment: environment, listen: false)
            var batch: [(name: String, text: String)] = []
            var total = 0, lineNumber = 0
            var pending = Data()
            func flush() throws {
                guard !batch.isEmpty else { return }
                try app.pieces.importAssets(batch)
                total += batch.count
                batch.removeAll(keepingCapacity: true)
                logger.info("import.progress", ["imported": "\(total)"])
            }
            func take(_ line: Data) throws {
                lineNumber += 1
                guard !line.isEmpty else { return }
                guard let v = JSONValue.parse(Array(line)), let text = v["text"]?.string else {
                    throw StartupError("line \(lineNumber) is not {\"name\": …, \"text\": …}. Fix it and run again (lines before it are saved).")
                }
                batch.append((v["name"]?.string ?? String(text.prefix(60)), text))
                if batch.count >= 5000 { try flush() }
            }
            while true {
                let chunk = handle.readData(ofLength: 1 << 20)
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let nl = pending.firstIndex(of: 0x0A) {
                    try take(pending[pending.startIndex..<nl])
                    pending = pending[(nl + 1)...]
                }
            }
            try take(pending)
            try flush()
            print("imported \(total) snippets into \(options.home)")
            return 0
        } catch {
            fail("\(error)")
            return 1
        }
    }

    static func fail(_ message: String) {
        let line = "openpieces: error: \(message)\n"
        _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
    }

    static let mainHelp = """
        openpieces \(ProductVersion.current) — a self-hosted AI orchestrator that builds its own tools.

        usage: openpieces <command> [options]

        commands:
          serve     run the platform (HTTP API, Pieces-compatible API, services) on one port
          chat      talk to the Orchestrator: `openpieces chat -m "create a notes API with title and body"`
          services  list, create, update, start, stop, rollback, logs… services (of a running server)
          secrets   set, list, delete secrets (of a running server)
          brain     list, search, add, edit the agents' long-term memory (of a running server)
          workflows list, import, export, run workflows (of a running server)
          runs      list, show, follow, cancel, re-run workflow runs
          tasks     schedule workflows with cron; preview a cron expression's next runs
          eval      measure a model on the request suite (eval/requests), each request checked by what was built
          doctor    check Deno, the data directory and the database
          admin-token  make a new admin token (prints it once; restart the server to use it)
          import-assets  save snippets in bulk from a JSON Lines file
          version   print the version
          help      print this help, or 'openpieces help serve'

        Commands that talk to a running server send OPENPIECES_TOKEN (or --token): the admin token or an API key.
        Run 'openpieces <command> --help' for a command's options.
        """

    static var serveHelp: String {
        var text = """
            usage: openpieces serve [options]

            Runs the platform until SIGINT or SIGTERM (then finishes in-flight requests and exits).
            Each option is a flag, or the environment variable beside it; flags win.

            options:

            """
        for spec in OptionSpec.all {
            let left = "  --\(spec.flag) <\(spec.valueName)>"
            text += left.padding(toLength: 30, withPad: " ", startingAt: 0) + spec.help + "\n"
            text += String(repeating: " ", count: 30) + "env: \(spec.env)\n"
        }
        text += "  -h, --help                  show this help\n"
        return text
    }
}
