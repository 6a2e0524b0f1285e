import Core
import Foundation
import HTTPServer
import Agents
import Auth
import Dashboard
import Webhooks
import Brain
import LLM
import MCP
import PiecesAPI
import PlatformAPI
import Secrets
import Services
import Store
import Workflows
#if canImport(Glibc)
import Glibc
#endif

/// The running product: data directory, database, HTTP server.
public final class Application: Sendable {
    public let options: ServeOptions
    public let logger: Logger
    public let database: Database
    /// Nil when started without a listener (commands such as import-assets).
    public let server: HTTPServer?
    /// Serves only `/internal/…` (trigger notifications) on its own loopback port.
    let internalServer: HTTPServer?
    public let pieces: PiecesAPI
    public let services: ServiceManager
    let repairs: Repairs
    let automation: Automation
    let auth: AuthStore
    let webhooks: WebhookDispatcher
    /// Live events between replicas sharing the store (LISTEN/NOTIFY): run progress, chat turns, log lines.
    let storeEvents: StoreEvents
    /// MCP: Pieces' memory tools and one tool per endpoint of every running action service.
    let mcp: MCPServer
    /// Every route the server answers (method, pattern).
    public let routes: [(method: String, pattern: String)]
    /// Every tool in the agents' shared registry.
    public let toolNames: [String]
    private let llmSource: String
    /// The Pieces port file this server may claim; nil when it is not to touch it.
    let portFile: PiecesPortFile?

    public init(options: ServeOptions, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment,
                listen: Bool = true) throws {
        self.options = options
        self.logger = logger
        portFile = options.piecesPortFile.enabled(environment: environment) && Application.reachableOnLoopback(options.host)
            ? environment["HOME"].map { PiecesPortFile(userHome: $0) } : nil
        try Application.prepareHome(options)
        database = try Database(location: options.database, migrations: Schema.all)
        let storeEvents = StoreEvents(database)
        self.storeEvents = storeEvents
        let secrets: SecretStore
        let masterKey: [UInt8]
        do {
            masterKey = try MasterKey.load(home: options.home, environment: environment)
            secrets = try SecretStore(db: database, masterKey: masterKey)
        } catch let e as MasterKey.Failure {
            throw StartupError(e.description)
        }
        let webhookStore = try WebhookStore(db: database, masterKey: masterKey)
        let webhooks = WebhookDispatcher(store: webhookStore, logger: logger,
                                         retryBase: options.webhookRetryBase)
        self.webhooks = webhooks
        let llm = LLMConfiguration(db: database, secrets: secrets)
        let (initial, source) = try llm.initial(options)
        llmSource = source.rawValue
        // Questions may read the files clients name, except the data directory and hidden (credential) files, and
        // none when the server listens beyond loopback.
        let anchorFiles = AnchorFilePolicy(readsFiles: ServiceURLs.isLoopbackName(options.host), forbiddenRoots: [options.home, options.servicesPath])
        pieces = try PiecesAPI(database: database, llm: initial, logger: logger, anchorFiles: anchorFiles)
        let home = options.home as NSString
        let denoPath = DenoLocator.find(environment: environment)
        let publicURLBox = PublicURL()
        // Listening on loopback only: the Pieces API needs no key, and `*.localhost` names reach the services.
        let loopback = ServiceURLs.isLoopbackName(options.host)
        let serviceURLs = ServiceURLs(publicURL: { publicURLBox.value }, serviceDomain: options.serviceDomain, loopback: loopback)
        var supervisorConfig = SupervisorConfig(logsRoot: home.appendingPathComponent("logs"))
        supervisorConfig.maxFailedStarts = options.maxFailedStarts
        supervisorConfig.urls = serviceURLs
        let node = try NodeIdentity.load(home: options.home)
        if database.isShared {
            // Replicas share the store: each service runs on one of them, under a placement lease.
            var placement = PlacementConfig(node: node, address: options.nodeAddress ?? "", maxServices: options.maxServices,
                                            sharedRoot: options.servicesRoot != nil)
            placement.lease = options.serviceLease
            supervisorConfig.placement = placement
            supervisorConfig.pidsRoot = home.appendingPathComponent("service-pids")
            supervisorConfig.events = storeEvents
        }
        let sandbox = Sandbox(denoPath: denoPath, denoCache: home.appendingPathComponent("deno-cache"), limits: options.serviceLimits,
                              egressExceptions: options.egressExceptions)
        services = ServiceManager(db: database,
                                  files: ServiceFiles(servicesRoot: options.servicesPath, versionsRoot: home.appendingPathComponent("service-versions"),
                                                      shared: database.isShared ? PlacementStore(db: database) : nil),
                                  sandbox: sandbox, config: supervisorConfig,
                                  logger: logger, secret: { try? secrets.get($0) })
        let brain = Brain(db: database)
        let pieces = self.pieces
        // With no model configured, the agents run on the embedded engine and its catalogue.
        let agentProvider: @Sendable () -> (any LLMProvider, String?) = {
            let (p, model) = pieces.chatProvider()
            return p.isOffline ? (OfflineAgentEngine(), nil) : (p, model)
        }
        let usage = UsageLedger(db: database, prices: options.llmPrices)
        pieces.onModelCall { usage.record(model: $0.model, usage: $0.usage, ms: $0.ms, for: .qgpt) }
        let codegen = Codegen(services: services, db: database, workspacesRoot: home.appendingPathComponent("workspaces"),
                              logger: logger, usage: usage, budgetSeconds: options.codegenSeconds, provider: agentProvider)
        let repairs = Repairs(db: database, codegen: codegen, brain: brain, logger: logger)
        self.repairs = repairs
        var tools = ToolRegistry(PlatformTools.all(brain: brain, services: services, secrets: secrets, codegen: codegen,
                                                   urls: serviceURLs))
        // The Pieces API as tools: saved snippets.
        tools.register(Tool(name: "assets_search", description: "Search the user's saved snippets (Pieces assets).",
                            parameters: ["type": "object", "properties": ["query": ["type": "string", "minLength": 1]], "required": ["query"]], SnippetSearchInput.self) { input, _ in
            try await pieces.reading { try pieces.searchSnippets(input.query) }
        })
        tools.register(Tool(name: "assets_save", description: "Save a snippet for the user (code or text), searchable later.",
                            parameters: ["type": "object", "properties": ["name": ["type": "string"], "text": ["type": "string", "minLength": 1],
                                                                          "language": ["type": "string"]], "required": ["text"]], SnippetSaveInput.self) { input, _ in
            try await pieces.writing { try pieces.saveSnippet(name: input.name, text: input.text, language: input.language) }
        })
        let automation = Automation(database: database, services: services, registry: tools, logger: logger, limits: options.runLimits, usage: usage,
                                    node: node, events: storeEvents, provider: agentProvider)
        self.automation = automation
        for t in Automation.tools(workflows: automation.workflows, tasks: automation.tasks, runs: automation.runs, wake: automation.queue.wake) {
            tools.register(t)
        }

        var router = Router()
        let auth = try AuthStore(db: database)
        self.auth = auth
        let policy = AuthPolicy(store: auth, exposed: !loopback)
        let hostGuard = HostGuard(listenHost: options.host, loopback: loopback, serviceDomain: options.serviceDomain, allowedHosts: options.allowedHosts,
                                  allowedOrigins: options.allowedOrigins, publicURL: { publicURLBox.value })
        router.screen = hostGuard.screen
        router.credentialCookies = AuthPolicy.credentialCookies
        let serviceTools = ServiceTools(manager: services)
        let mcp = MCPServer(catalogue: ToolCatalogue(fixed: MemoryTools(pieces: pieces, brain: brain).all, dynamic: { try await serviceTools.tools() }),
                            access: MCPAccess(canCallTools: { policy.allows($0, scope: "write") }, identity: { policy.identity($0) }),
                            logger: logger)
        self.mcp = mcp
        // The tool list follows the running services: clients hear of every change (in order, by the task `mcp.start` makes).
        services.supervisor.live.onChange { _ in mcp.servicesChanged() }
        let chats = ChatService(db: database, registry: tools, brain: brain, logger: logger, outbound: services.outbound, usage: usage,
                                budget: options.agentBudget, events: storeEvents, provider: agentProvider)
        let platformRoutes = PlatformRoutes(manager: services, secrets: secrets, urls: serviceURLs, logger: logger,
                                            workflows: automation.workflows, runs: automation.runs, queued: automation.queue.wake)
        let defaultURLBox = PublicURL()
        let serviceStore = services.store

        // The group closures below take these, not self: it is not initialized yet.
        let manager = services, automationRoutes = automation, db = database

        // Who may call a route is said where it is declared. Outside any group: the Pieces-compatible API, open on
        // loopback and behind an API key when exposed.
        router.defaultAccess = policy.pieces
        router.group(.open) { open in
            Routes.install(&open)
            Dashboard.install(&open)
            // Service URLs: the service answers for itself.
            ProxyRoutes.install(&open, manager: manager, serviceDomain: options.serviceDomain, localhostNames: loopback)
        }
        pieces.install(&router)
        router.group(policy.mcp) { MCPRoutes.install(&$0, server: mcp) }
        // The platform API: a session or a bearer credential, `read` to read and `write` to change unless a group
        // inside says otherwise; a route under /api/v1 declared anywhere else stops the server at start-up.
        router.group("/api/v1", policy.api) { api in
            AuthRoutes.install(&api, policy: policy, secureCookies: { publicURLBox.value.hasPrefix("https://") })
            Routes.installVersion(&api)
            api.group("/api/v1/settings", policy.admin) { settings in
                PublicURLSettings.install(&settings, db: db, options: options, box: publicURLBox, bound: { defaultURLBox.value })
                SettingsRoutes.install(&settings, pieces: pieces, config: llm, logger: logger)
            }
            api.get("/api/v1/assets", AppRouteDocs.assets) { req in
                let limit = min(200, max(1, Int(req.query["limit"] ?? "50") ?? 50))
                let query = req.query["query"]
                return Response.json(raw: try await pieces.reading { try pieces.snippets(query: query, limit: limit).text })
            }
            platformRoutes.install(&api)
            VersionRoutes.install(&api, manager: manager, workspacesRoot: home.appendingPathComponent("workspaces"))
            automationRoutes.install(&api)
            BrainRoutes.install(&api, brain: brain)
            api.get("/api/v1/services/:id/repairs", AppRouteDocs.repairs) { req in
                let id = try req.require("id")
                let attempts = try await serviceStore.reading { try serviceStore.find(id).map { try repairs.attempts($0.slug) } }
                guard let attempts else { throw HTTPError.notFound("No service '\(id)'. List them with GET /api/v1/services.") }
                return Response.json(raw: JSONValue.object(["repairs": .array(attempts)]).text)
            }
            ChatRoutes.install(&api, chats: chats)
            api.group("/api/v1/webhooks", policy.admin) { WebhookRoutes.install(&$0, store: webhookStore, dispatcher: webhooks) }
            // Last: the document describes every route added before it.
            OpenAPIRoutes.install(&api, services: manager, urls: serviceURLs, publicURL: { publicURLBox.value })
        }
        // The events users can subscribe to.
        chats.onCompleted { chat, text in webhooks.emit("chat.message.completed", ["chat": .string(chat), "text": .string(String(text.prefix(4000)))]) }
        automation.queue.onFinished { run in
            guard run.status == .succeeded || run.status == .failed else { return }
            webhooks.emit("run.\(run.status.rawValue)", run.json)
        }
        routes = router.patterns
        toolNames = tools.names
        var limits = ServerLimits()
        limits.maxBodyBytes = options.maxBodyBytes
        guard listen else {
            server = nil
            internalServer = nil
            return
        }
        // Only the serving process owns the services, tasks and runs: a command such as import-assets must not touch them.
        try DataDirectoryLock.acquire(home: options.home)
        try Application.bootstrapAdminToken(auth, environment: environment)
        services.supervisor.prepareForBoot()
        let server = try HTTPServer(configuration: ServerConfiguration(host: options.host, port: options.port,
                                                                       eventLoops: options.eventLoops, limits: limits),
                                    router: router, logger: logger)
        self.server = server
        // Bound, not yet serving: the token names the port it is for, and works by the first request.
        auth.setLocalToken(try LocalCredential.issue(home: options.home, port: server.port))
        // The services' callback on a loopback port of its own: the only platform address their sandbox allows.
        var internalRouter = Router()
        platformRoutes.installInternal(&internalRouter)
        internalServer = try HTTPServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0, eventLoops: 1, limits: limits),
                                        router: internalRouter, logger: logger)
        // Before the first request can deploy anything: generated code never reaches these.
        services.sandbox.platformListens(on: options.host, ports: [server.port] + (internalServer.map { [$0.port] } ?? []))
        let resolved = options.resolvedPublicURL(boundPort: server.port)
        defaultURLBox.set(resolved)
        publicURLBox.set(options.publicURL != nil ? resolved : (PublicURLSettings.saved(database) ?? resolved))
    }

    /// The admin token: `OPENPIECES_ADMIN_TOKEN` when set (provisioning), else made once at the first start and
    /// printed that once; only its hash is kept.
    static func bootstrapAdminToken(_ auth: AuthStore, environment: [String: String]) throws {
        if let given = environment["OPENPIECES_ADMIN_TOKEN"], !given.isEmpty {
            guard given.count >= 16, given.count <= 200 else {
                throw StartupError("OPENPIECES_ADMIN_TOKEN must hold 16 to 200 characters; make one with `openssl rand -hex 24`.")
            }
            try auth.setAdminToken(given)
            return
        }
        guard !auth.hasAdminToken else { return }
        let token = try auth.setAdminToken()
        let banner = """

            ┌ OpenPieces admin token (shown once; only its hash is kept) ──────────
            │ \(token)
            │ Log in to the dashboard with it. The CLI on this machine needs nothing; elsewhere use it as OPENPIECES_TOKEN.
            │ Lost it? `openpieces admin-token --home DIR` makes a new one.
            └──────────────────────────────────────────────────────────────────────

            """
        FileHandle.standardError.write(Data(banner.utf8))
    }

    /// Creates the data directory, private to this user: it will hold secrets.
    static func prepareHome(_ options: ServeOptions) throws {
        let fm = FileManager.default
        for dir in [options.home, options.servicesPath] where !fm.fileExists(atPath: dir) {
            do {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StartupError("cannot create the data directory \(dir): \(error.localizedDescription). Choose another with --home or OPENPIECES_HOME.")
            }
        }
        guard access(options.home, W_OK) == 0 else {
            throw StartupError("the data directory \(options.home) is not writable. Fix its permissions or choose another with --home.")
        }
        // It holds the master key and the secrets: others may not even list it.
        var st = stat()
        if stat(options.home, &st) == 0, st.st_uid == getuid(), st.st_mode & 0o077 != 0 {
            _ = chmod(options.home, 0o700)
        }
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully.
    public func runUntilSignalled() async {
        guard let server else { return }
        // Handlers first: a signal during start-up still shuts down gracefully (and takes the port file back).
        let termination = Application.terminationSignal()
        // Before "listening": whoever waits for that line finds the port file settled.
        await claimPortFile(server.port)
        logger.info("server.listening", ["host": options.host, "port": "\(server.port)", "callback": "127.0.0.1:\(internalServer?.port ?? 0)",
                                         "url": options.resolvedPublicURL(boundPort: server.port),
                                         "home": options.home, "version": ProductVersion.current,
                                         "llm": pieces.llmSettings.baseURL.map { "\(pieces.llmSettings.kind.rawValue) \($0) model=\(pieces.llmSettings.effectiveModel)" } ?? "offline engine",
                                         "llm_source": llmSource])
        await services.supervisor.setPlatformURL("http://127.0.0.1:\(internalServer?.port ?? server.port)")
        if database.isShared, options.nodeAddress == nil, !ServiceURLs.isLoopbackName(options.host) {
            logger.warn("services.node_address_missing", ["listen": options.host,
                "message": "other replicas relay to this one at the listen address; set --node-address to where they reach it"])
        }
        await services.supervisor.setNodeAddress(options.nodeAddress ?? "http://\(ServiceURLs.isLoopbackName(options.host) || options.host == "0.0.0.0" || options.host == "::" ? "127.0.0.1" : options.host):\(server.port)")
        let repairs = self.repairs
        await services.supervisor.onCrashed { slug, reason in repairs.serviceCrashed(slug, reason: reason) }
        let webhooks = self.webhooks
        await services.supervisor.onCrashed { slug, reason in webhooks.emit("service.crashed", ["service": .string(slug), "reason": .string(reason.text)]) }
        await services.supervisor.onDeployed { slug, version in webhooks.emit("service.deployed", ["service": .string(slug), "version": JSONValue(version)]) }
        webhooks.start()
        storeEvents.start(logger: logger)
        mcp.start()
        let outbound = services.outbound
        Task { await outbound.run() }
        await services.supervisor.restore()
        automation.start()
        let signal = await termination.value
        logger.info("server.stopping", ["signal": signal])
        mcp.shutdown()
        portFile?.release(port: server.port)
        await server.shutdown()
        await internalServer?.shutdown()
        await automation.shutdown()
        webhooks.shutdown()
        await services.supervisor.shutdown()
        storeEvents.stop()
        logger.info("server.stopped")
    }

    /// Plugins connect to 127.0.0.1:<port>: only a loopback or wildcard listener is reachable that way.
    static func reachableOnLoopback(_ host: String) -> Bool {
        ServiceURLs.isLoopbackName(host) || host == "0.0.0.0" || host == "::"
    }

    /// Names our port in the Pieces port file, unless another live Pieces OS holds it.
    func claimPortFile(_ port: Int) async {
        guard let portFile else { return }
        switch await portFile.claim(port: port) {
        case .wrote: logger.info("pieces.port_file_written", ["path": portFile.path])
        case .keptLiveOther(let other):
            logger.info("pieces.port_file_kept", ["path": portFile.path, "reason": "another Pieces OS answers on \(other); plugins keep using it"])
        case .failed(let why): logger.warn("pieces.port_file_failed", ["error": why])
        }
    }

    /// Installs the SIGINT/SIGTERM handlers now; the task answers the first signal's name.
    static func terminationSignal() -> Task<String, Never> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(1))
        var sources: [DispatchSourceSignal] = []
        for (sig, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            sources.append(source)
        }
        SignalSources.keep(sources)
        return Task {
            for await name in stream { return name }
            return "SIGTERM"
        }
    }
}

public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

struct SnippetSearchInput: ToolInput { let query: String }
struct SnippetSaveInput: ToolInput { let name: String?; let text: String; let language: String? }
