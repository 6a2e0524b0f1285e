import Core
import Foundation
import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

/// One command of `openpieces`, as swift-argument-parser's `CommandConfiguration` describes a subcommand: its name
/// (and aliases), its line in `openpieces help`, its own help, and what it runs. The table below is the one place that
/// handles `--help`/`-h` (anywhere in a command's arguments), a bare group command and an unknown command.
struct Command: Sendable {
    let name: String
    var aliases: [String] = []
    /// Its line in `openpieces help`.
    let summary: String
    /// What `openpieces <name> --help` prints.
    let help: @Sendable () -> String
    /// A group of subcommands (`services list`, …): run bare, it prints its help and exits 2.
    var needsSubcommand = false
    let run: @Sendable (_ arguments: [String], _ environment: [String: String]) async -> Int32
}

/// `openpieces <command> [options]`, with `--help` everywhere.
public enum CLI {
    static let commands: [Command] = [
        Command(name: "serve", summary: "run the platform (HTTP API, Pieces-compatible API, services) on one port",
                help: { serveHelp }, run: { await serve($0, $1) }),
        Command(name: "chat", summary: "talk to the Orchestrator: `openpieces chat -m \"create a notes API with title and body\"`",
                help: { ChatCommand.help }, run: { await ChatCommand.run($0, $1) }),
        Command(name: "services", summary: "list, create, update, start, stop, rollback, logs… services (of a running server)",
                help: { RemoteCommands.servicesHelp }, needsSubcommand: true, run: { await RemoteCommands.run("services", $0, $1) }),
        Command(name: "secrets", summary: "set, list, delete secrets (of a running server)",
                help: { RemoteCommands.secretsHelp }, needsSubcommand: true, run: { await RemoteCommands.run("secrets", $0, $1) }),
        Command(name: "brain", summary: "list, search, add, edit the agents' long-term memory (of a running server)",
                help: { RemoteCommands.brainHelp }, needsSubcommand: true, run: { await RemoteCommands.run("brain", $0, $1) }),
        Command(name: "workflows", summary: "list, import, export, run workflows (of a running server)",
                help: { AutomationCommands.workflowsHelp }, needsSubcommand: true, run: { await AutomationCommands.run("workflows", $0, $1) }),
        Command(name: "runs", summary: "list, show, follow, cancel, re-run workflow runs",
                help: { AutomationCommands.runsHelp }, needsSubcommand: true, run: { await AutomationCommands.run("runs", $0, $1) }),
        Command(name: "tasks", summary: "schedule workflows with cron; preview a cron expression's next runs",
                help: { AutomationCommands.tasksHelp }, needsSubcommand: true, run: { await AutomationCommands.run("tasks", $0, $1) }),
        Command(name: "eval", summary: "measure a model on the request suite (eval/requests), each request checked by what was built",
                help: { EvalCommand.help }, run: { await EvalCommand.run($0, $1) }),
        Command(name: "doctor", summary: "check Deno, the data directory and the database",
                help: { "usage: openpieces doctor [--home DIR]\n\nChecks what the platform needs: Deno, the data directory, the database, the master key." },
                run: { Doctor.run($0, $1) }),
        Command(name: "admin-token", summary: "make a new admin token (prints it once; restart the server to use it)",
                help: { AdminTokenCommand.help }, run: { AdminTokenCommand.run($0, $1) }),
        Command(name: "backup", summary: "write a consistent backup (store, service files) while the server runs",
                help: { BackupCommands.backupHelp }, run: { BackupCommands.backup($0, $1) }),
        Command(name: "restore", summary: "load a backup into a new data directory (or an empty PostgreSQL database)",
                help: { BackupCommands.restoreHelp }, run: { BackupCommands.restore($0, $1) }),
        Command(name: "migrate", summary: "move the SQLite store to PostgreSQL: openpieces migrate --to postgres://…",
                help: { BackupCommands.migrateHelp }, run: { BackupCommands.migrate($0, $1) }),
        Command(name: "import-assets", summary: "save snippets in bulk from a JSON Lines file",
                help: { importHelp }, run: { await importAssets($0, $1) }),
        Command(name: "version", aliases: ["--version", "-V"], summary: "print the version",
                help: { "usage: openpieces version\n\nPrints the product version and the Pieces OS API level it serves." }) { _, _ in
            print("openpieces \(ProductVersion.current) (Pieces OS API \(ProductVersion.piecesAPILevel))")
            return 0
        },
        Command(name: "help", aliases: ["--help", "-h"], summary: "print this help, or 'openpieces help serve'", help: { mainHelp }) { arguments, _ in
            // `openpieces help <command>` prints that command's help.
            print(arguments.first.flatMap { name in commands.first { $0.name == name } }?.help() ?? mainHelp)
            return 0
        },
    ]

    public static func main(_ arguments: [String], environment: [String: String]) async -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let name = arguments.first ?? "help"
        let rest = Array(arguments.dropFirst())
        guard let command = commands.first(where: { $0.name == name || $0.aliases.contains(name) }) else {
            fail("unknown command '\(name)'. Run 'openpieces help' for the commands.")
            return 2
        }
        // `help` reads its arguments itself: `openpieces help serve --help` is serve's help.
        if command.name != "help", rest.contains("--help") || rest.contains("-h") {
            print(command.help())
            return 0
        }
        if command.needsSubcommand && rest.isEmpty {
            print(command.help())
            return 2
        }
        return await command.run(rest, environment)
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

    static var mainHelp: String {
        // A name shorter than the column is padded to it; a longer one gets two spaces.
        let lines = commands.map { c in "  " + (c.name.count < 10 ? c.name.padding(toLength: 10, withPad: " ", startingAt: 0) : c.name + "  ") + c.summary }
        return """
            openpieces \(ProductVersion.current) — a self-hosted AI orchestrator that builds its own tools.

            usage: openpieces <command> [options]

            commands:
            \(lines.joined(separator: "\n"))

            Commands that talk to a running server send OPENPIECES_TOKEN (or --token): the admin token or an API key. On the
            server's own machine they need neither: they read the server's local credential (OPENPIECES_HOME, ~/.openpieces).
            Run 'openpieces <command> --help' for a command's options.
            """
    }

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
