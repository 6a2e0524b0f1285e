import Agents
import Core
import Events
import Foundation
import LLM
import Services
import Store

/// Everything `openpieces serve` can be told. Each option is a flag, overriding an `OPENPIECES_*`
/// environment variable, overriding the default.
public struct ServeOptions: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 39300
    public var home: String
    public var publicURL: String?
    public var logLevel = LogLevel.info
    public var logFormat = LogFormat.logfmt
    public var maxBodyBytes = 16 * 1024 * 1024
    public var eventLoops: Int?
    /// The LLM provider; none means the embedded offline engine.
    public var llmBaseURL: String?
    public var llmAPIKey: String?
    public var llmModel: String?
    /// The provider's protocol; none means detected from `llmBaseURL`.
    public var llmProvider: LLMProviderKind?
    /// Services also answer at `<slug>.<serviceDomain>` (a wildcard DNS name pointing here).
    public var serviceDomain: String?
    /// What each service may use.
    public var serviceLimits = ServiceLimits()
    /// More names this server answers to (besides loopback names, the listen address and the public URL's host).
    public var allowedHosts: [String] = []
    /// Web origins trusted to call the credential-free routes (the Pieces API, MCP) from a browser.
    public var allowedOrigins: [String] = []
    /// `host:port` entries services may reach although the egress policy refuses local addresses.
    public var egressExceptions: Set<String> = []
    /// What one Orchestrator turn may spend.
    public var agentBudget = AgentBudget.orchestrator
    /// How long one code-generation build may take.
    public var codegenSeconds: Double = 300
    /// Prices per model, to turn tokens into cost.
    public var llmPrices = ModelPrices()
    /// The Pieces port file desktop plugins read first (see PiecesPortFile).
    public var piecesPortFile = PortFileMode.auto
    /// How workflow runs are executed: at once, per attempt, retries.
    public var runLimits = RunLimits()
    /// Failed starts in a row before a service is declared crashed.
    public var maxFailedStarts = SupervisorConfig(logsRoot: "").maxFailedStarts
    /// First delay before a failed webhook delivery is retried (doubled per attempt).
    public var webhookRetryBase: Double = 5

    public init(home: String) { self.home = home }

    /// The base URL printed for services: `--public-url`, else the listener's address.
    public func resolvedPublicURL(boundPort: Int) -> String {
        if let publicURL { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
        let h = host.contains(":") ? "[\(host)]" : (host == "0.0.0.0" ? "127.0.0.1" : host)
        return "http://\(h):\(boundPort)"
    }

    public var databasePath: String { (home as NSString).appendingPathComponent("openpieces.sqlite") }
    /// `--database postgres://…`: a PostgreSQL server shared by every replica. Unset: the SQLite file under `home`.
    public var databaseURL: PostgresAddress?
    public var database: DatabaseLocation { databaseURL.map(DatabaseLocation.postgres) ?? .sqlite(path: databasePath) }
    /// `--services-root`: where services' code and `data/` live, given when it is storage every replica mounts.
    public var servicesRoot: String?
    public var servicesPath: String { servicesRoot ?? (home as NSString).appendingPathComponent("services") }
    /// Where the other replicas reach this one (`--node-address`); default: the listener's address.
    public var nodeAddress: String?
    /// How many services this replica runs at most, when replicas share the store.
    public var maxServices = 100
    /// How long a replica's placement of a service lasts unrenewed (failover time after it dies).
    public var serviceLease: Double = 10
}

/// One option of `serve`: its flag, its environment variable, and how to apply a value.
struct OptionSpec: Sendable {
    let flag: String
    let env: String
    let valueName: String
    let help: String
    let apply: @Sendable (inout ServeOptions, String) throws(UsageError) -> Void

    static let all: [OptionSpec] = [
        OptionSpec(flag: "host", env: "OPENPIECES_HOST", valueName: "ip", help: "address to listen on (default 127.0.0.1; 0.0.0.0 exposes it to the network)") { o, v throws(UsageError) in
            guard !v.isEmpty, v.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }) || v == "localhost" else {
                throw UsageError("--host takes an IP address such as 127.0.0.1 or ::1, not '\(v)'")
            }
            o.host = v
        },
        OptionSpec(flag: "port", env: "OPENPIECES_PORT", valueName: "n", help: "TCP port (default 39300, where Pieces clients look; 0 picks a free one)") { o, v throws(UsageError) in
            guard let n = Int(v), (0...65535).contains(n) else { throw UsageError("--port takes a number from 0 to 65535, not '\(v)'") }
            o.port = n
        },
        OptionSpec(flag: "home", env: "OPENPIECES_HOME", valueName: "dir", help: "data directory: database, services, secrets (default ~/.openpieces)") { o, v throws(UsageError) in
            guard !v.isEmpty else { throw UsageError("--home takes a directory path") }
            o.home = (v as NSString).expandingTildeInPath
        },
        OptionSpec(flag: "database", env: "OPENPIECES_DATABASE_URL", valueName: "url",
                   help: "postgres://user:password@host:5432/db[?schema=name] to keep state in PostgreSQL, shared by replicas (default: SQLite in --home)") { o, v throws(UsageError) in
            do throws(StoreError) { o.databaseURL = try PostgresAddress(v) } catch { throw UsageError("--database: \(error.description)") }
        },
        OptionSpec(flag: "node-address", env: "OPENPIECES_NODE_ADDRESS", valueName: "url",
                   help: "http://host:port where the other replicas reach this one, to relay requests for the services it runs (default: the listen address)") { o, v throws(UsageError) in
            guard NodeAddress.parse(v) != nil else {
                throw UsageError("--node-address takes http://host:port (an IP or a name the other replicas resolve), not '\(v)'")
            }
            o.nodeAddress = v.hasPrefix("http://") ? v : "http://" + v
        },
        OptionSpec(flag: "max-services", env: "OPENPIECES_MAX_SERVICES", valueName: "n",
                   help: "how many services this replica runs at most when replicas share a database (default 100)") { o, v throws(UsageError) in
            o.maxServices = try limit(v, "--max-services", 0...10_000)
        },
        OptionSpec(flag: "services-root", env: "OPENPIECES_SERVICES_ROOT", valueName: "dir",
                   help: "where services' code and data/ live; a volume every replica mounts lets a service's data move with it (default <home>/services)") { o, v throws(UsageError) in
            guard v.hasPrefix("/") else { throw UsageError("--services-root takes an absolute directory, not '\(v)'") }
            o.servicesRoot = v
        },
        OptionSpec(flag: "service-lease", env: "OPENPIECES_SERVICE_LEASE", valueName: "s",
                   help: "how long a replica's placement of a service lasts unrenewed: another replica starts it after that once its replica died (default 10)") { o, v throws(UsageError) in
            o.serviceLease = try seconds(v, "--service-lease", 2...600)
        },
        OptionSpec(flag: "public-url", env: "OPENPIECES_PUBLIC_URL", valueName: "url", help: "base URL printed for services (default http://<host>:<port>)") { o, v throws(UsageError) in
            guard v.hasPrefix("http://") || v.hasPrefix("https://"), URL(string: v)?.host != nil else {
                throw UsageError("--public-url takes an http(s) URL such as https://pieces.example.com, not '\(v)'")
            }
            o.publicURL = v
        },
        OptionSpec(flag: "log-level", env: "OPENPIECES_LOG_LEVEL", valueName: "level", help: "debug, info, warn or error (default info; debug logs every request)") { o, v throws(UsageError) in
            guard let l = LogLevel(name: v) else { throw UsageError("--log-level takes debug, info, warn or error, not '\(v)'") }
            o.logLevel = l
        },
        OptionSpec(flag: "log-format", env: "OPENPIECES_LOG_FORMAT", valueName: "format", help: "logfmt or json (default logfmt)") { o, v throws(UsageError) in
            guard let f = LogFormat(rawValue: v.lowercased()) else { throw UsageError("--log-format takes logfmt or json, not '\(v)'") }
            o.logFormat = f
        },
        OptionSpec(flag: "max-body", env: "OPENPIECES_MAX_BODY", valueName: "bytes", help: "largest request body accepted, e.g. 16M or 512K (default 16M)") { o, v throws(UsageError) in
            guard let n = ByteSize.parse(v), n >= 1024, n <= 1 << 34 else {
                throw UsageError("--max-body takes a size from 1K to 16G such as 16M, not '\(v)'")
            }
            o.maxBodyBytes = n
        },
        OptionSpec(flag: "event-loops", env: "OPENPIECES_EVENT_LOOPS", valueName: "n", help: "HTTP event loop threads (default: one per core)") { o, v throws(UsageError) in
            guard let n = Int(v), (1...256).contains(n) else { throw UsageError("--event-loops takes a number from 1 to 256, not '\(v)'") }
            o.eventLoops = n
        },
        OptionSpec(flag: "service-domain", env: "OPENPIECES_SERVICE_DOMAIN", valueName: "domain", help: "serve services at <slug>.<domain> too (wildcard DNS to this host)") { o, v throws(UsageError) in
            guard v.contains("."), v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else {
                throw UsageError("--service-domain takes a domain such as svc.example.com, not '\(v)'")
            }
            o.serviceDomain = v.lowercased()
        },
        OptionSpec(flag: "allow-host", env: "OPENPIECES_ALLOW_HOSTS", valueName: "names", help: "more host names this server answers to, comma-separated (others get 421)") { o, v throws(UsageError) in
            let names = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
            for n in names where !n.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "[" || $0 == "]" }) {
                throw UsageError("--allow-host takes host names such as pieces.lan, not '\(n)'")
            }
            o.allowedHosts += names
        },
        OptionSpec(flag: "allow-origin", env: "OPENPIECES_ALLOW_ORIGINS", valueName: "origins", help: "web origins trusted to call the Pieces API from a browser, comma-separated (e.g. https://app.example.com)") { o, v throws(UsageError) in
            for origin in v.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !origin.isEmpty {
                guard let scheme = origin.range(of: "://"), !origin[scheme.upperBound...].isEmpty, !origin[scheme.upperBound...].contains("/") else {
                    throw UsageError("--allow-origin takes origins such as https://app.example.com (scheme and host, no path), not '\(origin)'")
                }
                o.allowedOrigins.append(origin.lowercased())
            }
        },
        OptionSpec(flag: "egress-allow", env: "OPENPIECES_EGRESS_ALLOW", valueName: "host:port,…", help: "local host:port entries services may call although they are on this machine or its link (e.g. a model server at 127.0.0.1:11434); never the platform's own ports") { o, v throws(UsageError) in
            do throws(EgressRefusal) {
                o.egressExceptions.formUnion(try EgressPolicy.exceptions(v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }))
            } catch {
                throw UsageError("--egress-allow: '\(error.host)' has \(error.reason); write entries as host:port such as 127.0.0.1:11434")
            }
        },
        OptionSpec(flag: "agent-turns", env: "OPENPIECES_AGENT_TURNS", valueName: "n", help: "model turns one Orchestrator turn may take (default 30); \"continue\" resumes") { o, v throws(UsageError) in
            o.agentBudget.turns = try limit(v, "--agent-turns", 1...1000)
        },
        OptionSpec(flag: "agent-tokens", env: "OPENPIECES_AGENT_TOKENS", valueName: "n", help: "tokens one Orchestrator turn may use, prompt and completion (default 1000000)") { o, v throws(UsageError) in
            o.agentBudget.tokens = try limit(v, "--agent-tokens", 1000...100_000_000)
        },
        OptionSpec(flag: "agent-seconds", env: "OPENPIECES_AGENT_SECONDS", valueName: "s", help: "wall time one Orchestrator turn may take (default 1800)") { o, v throws(UsageError) in
            o.agentBudget.seconds = Double(try limit(v, "--agent-seconds", 10...86400))
        },
        OptionSpec(flag: "codegen-seconds", env: "OPENPIECES_CODEGEN_SECONDS", valueName: "s", help: "wall time one code-generation build may take (default 300; slow local models need more)") { o, v throws(UsageError) in
            o.codegenSeconds = Double(try limit(v, "--codegen-seconds", 10...86400))
        },
        OptionSpec(flag: "llm-prices", env: "OPENPIECES_LLM_PRICES", valueName: "model=in/out,…", help: "price per million input/output tokens, per model, to show cost (e.g. gpt-4o=2.5/10)") { o, v throws(UsageError) in
            do throws(ModelPrices.Invalid) { o.llmPrices = try ModelPrices.parse(v) } catch {
                throw UsageError("--llm-prices: '\(error.entry)' is not model=input/output, e.g. gpt-4o=2.5/10 (per million tokens)")
            }
        },
        OptionSpec(flag: "service-memory", env: "OPENPIECES_SERVICE_MEMORY", valueName: "MB", help: "memory each service may use, in MB (default 256)") { o, v throws(UsageError) in
            o.serviceLimits.memoryMB = try limit(v, "--service-memory", 32...65536)
        },
        OptionSpec(flag: "service-cpu", env: "OPENPIECES_SERVICE_CPU", valueName: "percent", help: "CPU each service may use, as % of one core averaged over --service-cpu-window (default 90)") { o, v throws(UsageError) in
            o.serviceLimits.cpuPercent = try limit(v, "--service-cpu", 1...6400)
        },
        OptionSpec(flag: "service-cpu-window", env: "OPENPIECES_SERVICE_CPU_WINDOW", valueName: "seconds", help: "the window the CPU limit is averaged over (default 60)") { o, v throws(UsageError) in
            o.serviceLimits.cpuWindowSeconds = Double(try limit(v, "--service-cpu-window", 1...3600))
        },
        OptionSpec(flag: "service-files", env: "OPENPIECES_SERVICE_FILES", valueName: "n", help: "open files and sockets each service may hold (default 256)") { o, v throws(UsageError) in
            o.serviceLimits.openFiles = try limit(v, "--service-files", 32...65536)
        },
        OptionSpec(flag: "service-processes", env: "OPENPIECES_SERVICE_PROCESSES", valueName: "n", help: "threads and processes each service may run (default 64; Deno uses about 7)") { o, v throws(UsageError) in
            o.serviceLimits.processes = try limit(v, "--service-processes", 16...4096)
        },
        OptionSpec(flag: "service-data", env: "OPENPIECES_SERVICE_DATA", valueName: "MB", help: "size of each service's data/ directory, in MB (default 512)") { o, v throws(UsageError) in
            o.serviceLimits.dataMB = try limit(v, "--service-data", 1...1_048_576)
        },
        OptionSpec(flag: "pieces-port-file", env: "OPENPIECES_PIECES_PORT_FILE", valueName: "mode", help: "on, off or auto: write the port to the file Pieces desktop plugins read (~/Documents/com.pieces.os/production/Config/.port.txt); auto (default) writes it in a desktop session unless another Pieces OS is live; bare --pieces-port-file means on, --no-pieces-port-file off") { o, v throws(UsageError) in
            guard let m = PortFileMode(rawValue: v.lowercased()) else { throw UsageError("--pieces-port-file takes on, off or auto, not '\(v)'") }
            o.piecesPortFile = m
        },
        OptionSpec(flag: "llm-provider", env: "OPENPIECES_LLM_PROVIDER", valueName: "name", help: "openai (any OpenAI-compatible server) or anthropic (default: from --llm-base-url; api.anthropic.com means anthropic)") { o, v throws(UsageError) in
            guard let kind = LLMProviderKind(name: v) else { throw UsageError("--llm-provider takes openai or anthropic, not '\(v)'") }
            o.llmProvider = kind
        },
        OptionSpec(flag: "llm-base-url", env: "OPENPIECES_LLM_BASE_URL", valueName: "url", help: "OpenAI-compatible API, e.g. https://api.openai.com/v1, or https://api.anthropic.com (default: the offline engine)") { o, v throws(UsageError) in
            guard v.hasPrefix("http://") || v.hasPrefix("https://"), URL(string: v)?.host != nil else {
                throw UsageError("--llm-base-url takes an http(s) URL such as http://127.0.0.1:11434/v1, not '\(v)'")
            }
            o.llmBaseURL = v
        },
        OptionSpec(flag: "llm-api-key", env: "OPENPIECES_LLM_API_KEY", valueName: "key", help: "API key for the LLM provider (never logged; prefer the environment)") { o, v throws(UsageError) in
            o.llmAPIKey = v
        },
        OptionSpec(flag: "llm-model", env: "OPENPIECES_LLM_MODEL", valueName: "name", help: "model name at the provider (default gpt-4o-mini; claude-haiku-4-5 for anthropic)") { o, v throws(UsageError) in
            guard !v.isEmpty, v.count <= 200 else { throw UsageError("--llm-model takes a model name") }
            o.llmModel = v
        },
        OptionSpec(flag: "run-concurrency", env: "OPENPIECES_RUN_CONCURRENCY", valueName: "n", help: "workflow runs executed at once (default 4)") { o, v throws(UsageError) in
            o.runLimits.concurrency = try limit(v, "--run-concurrency", 1...64)
        },
        OptionSpec(flag: "run-timeout", env: "OPENPIECES_RUN_TIMEOUT", valueName: "s", help: "wall time one attempt of a workflow run may take (default 300)") { o, v throws(UsageError) in
            o.runLimits.timeBudget = try seconds(v, "--run-timeout", 0.1...86_400)
        },
        OptionSpec(flag: "run-max-steps", env: "OPENPIECES_RUN_MAX_STEPS", valueName: "n", help: "model turns one attempt of a workflow run may take (default 20)") { o, v throws(UsageError) in
            o.runLimits.maxSteps = try limit(v, "--run-max-steps", 1...200)
        },
        OptionSpec(flag: "run-max-attempts", env: "OPENPIECES_RUN_MAX_ATTEMPTS", valueName: "n", help: "attempts of one workflow run before it fails for good (default 5)") { o, v throws(UsageError) in
            o.runLimits.maxAttempts = try limit(v, "--run-max-attempts", 1...50)
        },
        OptionSpec(flag: "run-retry-base", env: "OPENPIECES_RUN_RETRY_BASE", valueName: "s", help: "first delay before a deferred run is retried, doubled per attempt (default 2)") { o, v throws(UsageError) in
            o.runLimits.backoff = try seconds(v, "--run-retry-base", 0.05...3600)
        },
        OptionSpec(flag: "run-lease", env: "OPENPIECES_RUN_LEASE", valueName: "s",
                   help: "how long a replica's claim on a run lasts unrenewed: a run of a replica that died is taken again after it (default 60)") { o, v throws(UsageError) in
            o.runLimits.lease = try seconds(v, "--run-lease", 2...3600)
        },
        OptionSpec(flag: "max-failed-starts", env: "OPENPIECES_MAX_FAILED_STARTS", valueName: "n", help: "failed starts in a row before a service is declared crashed (default 5)") { o, v throws(UsageError) in
            o.maxFailedStarts = try limit(v, "--max-failed-starts", 1...50)
        },
        OptionSpec(flag: "webhook-retry-base", env: "OPENPIECES_WEBHOOK_RETRY_BASE", valueName: "s", help: "first delay before a failed webhook delivery is retried, doubled per attempt (default 5)") { o, v throws(UsageError) in
            o.webhookRetryBase = try seconds(v, "--webhook-retry-base", 0.05...3600)
        },
    ]

    /// Resolves options: defaults, then the environment, then flags.
    static func resolve(arguments: [String], environment: [String: String]) throws(UsageError) -> ServeOptions {
        let defaultHome = environment["HOME"].map { ($0 as NSString).appendingPathComponent(".openpieces") } ?? "/var/lib/openpieces"
        var options = ServeOptions(home: defaultHome)
        for spec in all {
            if let v = environment[spec.env], !v.isEmpty {
                do { try spec.apply(&options, v) } catch { throw UsageError("\(spec.env): \(error.message)") }
            }
        }
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            guard arg.hasPrefix("--") else { throw UsageError("unexpected argument '\(arg)'") }
            // Switches without a value.
            if arg == "--no-pieces-port-file" || (arg == "--pieces-port-file" && (i + 1 == arguments.count || arguments[i + 1].hasPrefix("--"))) {
                options.piecesPortFile = arg == "--pieces-port-file" ? .on : .off
                i += 1
                continue
            }
            var name = String(arg.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let spec = all.first(where: { $0.flag == name }) else {
                let hint = all.map(\.flag).min(by: { editDistance($0, name) < editDistance($1, name) }).map { " Did you mean --\($0)?" } ?? ""
                throw UsageError("unknown option '--\(name)'.\(hint)")
            }
            if value == nil {
                guard i + 1 < arguments.count else { throw UsageError("--\(name) needs a value (<\(spec.valueName)>)") }
                i += 1
                value = arguments[i]
            }
            try spec.apply(&options, value!)
            i += 1
        }
        return options
    }
}

/// A whole number within `range`, for a limit option.
private func limit(_ v: String, _ flag: String, _ range: ClosedRange<Int>) throws(UsageError) -> Int {
    guard let n = Int(v.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
        throw UsageError("\(flag) takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(v)'")
    }
    return n
}

/// A number of seconds within `range`, fractions allowed.
private func seconds(_ v: String, _ flag: String, _ range: ClosedRange<Double>) throws(UsageError) -> Double {
    guard let n = Double(v.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
        let text = { (d: Double) in d == d.rounded() ? String(Int(d)) : String(d) }
        throw UsageError("\(flag) takes a number of seconds from \(text(range.lowerBound)) to \(text(range.upperBound)), not '\(v)'")
    }
    return n
}

public struct UsageError: Error, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

enum ByteSize {
    /// `16M`, `512K`, `1G` or plain bytes.
    static func parse(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            guard let n = Int(t.dropLast(suffix.count)), n >= 0, n <= Int.max / factor else { return nil }
            return n * factor
        }
        return Int(t)
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(1, a.count) where !a.isEmpty {
        var prev = row[0]
        row[0] = i
        for j in 1...max(1, b.count) where !b.isEmpty {
            let old = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
            prev = old
        }
    }
    return a.isEmpty ? b.count : row[b.count]
}
