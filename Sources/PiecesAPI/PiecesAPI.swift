import Core
import HTTPServer
import LLM
import Store

/// The Pieces OS–compatible local API, at the paths of the Pieces OS spec.
public final class PiecesAPI: Sendable {
    let store: PiecesStore
    let models: ModelRegistry
    let qgpt: QGPTService
    let downloads: ModelDownloads
    let logger: Logger
    /// QGPT's model calls, for the usage ledger.
    let calls: ModelCallSink
    /// The largest fragment a snippet may carry.
    static let maxFragmentBytes = 1024 * 1024

    /// `anchorFiles`: which files named by clients (anchors) questions may read into a model's context.
    public init(database: Database, llm: LLMSettings, logger: Logger, anchorFiles: AnchorFilePolicy) throws {
        store = try PiecesStore(db: database)
        models = ModelRegistry(settings: llm, db: database, logger: logger)
        calls = ModelCallSink(db: database)
        qgpt = QGPTService(store: store, models: models, calls: calls, anchorFiles: anchorFiles)
        downloads = ModelDownloads(db: database, logger: logger)
        self.logger = logger
    }

    public static var migrations: [Migration] { PiecesSchema.migrations + [MessageModelSchema.migration] }

    /// Saves many snippets at once (one transaction per call): imports and benchmarks.
    public func importAssets(_ items: [(name: String, text: String)]) throws {
        for item in items where item.text.utf8.count > PiecesAPI.maxFragmentBytes {
            throw SnippetTooLarge(description: "'\(item.name)' holds more than \(PiecesAPI.maxFragmentBytes) bytes.")
        }
        try store.bulkCreate(items)
    }

    /// Saves a snippet (the agents' assets_save tool).
    public func saveSnippet(name: String?, text: String, language: String?) throws -> JSONValue {
        guard text.utf8.count <= PiecesAPI.maxFragmentBytes else { throw SnippetTooLarge(description: "at most 1 MiB") }
        let a = try store.createAsset(name: name, text: text, specific: language, applicationID: PiecesStore.platformAppID, mechanism: "AUTOMATIC")
        return ["id": .string(a.id), "name": .string(a.name), "language": .string(a.formats.first?.specific ?? "text")]
    }

    /// Searches snippets (the agents' assets_search tool): names, languages and text.
    public func searchSnippets(_ query: String, limit: Int = 5) throws -> JSONValue {
        let hits = try store.search(query, limit: limit)
        let assets = try store.assets(ids: hits.map(\.assetID))
        return ["snippets": .array(assets.map { a in
            ["id": .string(a.id), "name": .string(a.name), "language": .string(a.formats.first?.specific ?? "text"),
             "text": .string(String((a.formats.first?.text ?? "").prefix(4000)))]
        })]
    }

    /// Snippets for the dashboard: the best matches of `query`, or the most recent ones.
    public func snippets(query: String?, limit: Int = 50) throws -> JSONValue {
        guard let query, !query.trimmingCharacters(in: .whitespaces).isEmpty else {
            let recent = try store.assets().sorted { $0.created > $1.created }.prefix(limit)
            return ["snippets": .array(recent.map { a in
                ["id": .string(a.id), "name": .string(a.name), "language": .string(a.formats.first?.specific ?? "text"),
                 "text": .string(String((a.formats.first?.text ?? "").prefix(4000)))]
            })]
        }
        return try searchSnippets(query, limit: limit)
    }

    /// The model the agents talk to: the selected one (the configured provider, else the offline engine).
    public func chatProvider() -> (any LLMProvider, String?) {
        let e = models.selected()
        return (e.provider, e.modelName)
    }

    /// The LLM provider QGPT and the agents use; changing it takes effect for the next request.
    public var llmSettings: LLMSettings { models.settings }
    public func configureLLM(_ settings: LLMSettings) { models.reconfigure(settings) }
    /// Called after every QGPT model call with the model that actually answered.
    public func onModelCall(_ f: @escaping @Sendable (QGPTModelCall) -> Void) { calls.set(f) }

    public func install(_ r: inout Router) {
        installConnect(&r)
        installAssets(&r)
        installConversations(&r)
        installQGPT(&r)
        installModels(&r)
        installApplications(&r)
        installIdentifierStreams(&r)
        installSearch(&r)
        installAssetEdits(&r)
        installConversationEdits(&r)
        installAnchors(&r)
        installApplicationEdits(&r)
        installOS(&r)
    }

    func apps() throws -> [String: ApplicationRecord] {
        Dictionary(try store.applications().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: assets and formats

    // Every handler's SQLite work runs in `store.reading`/`store.writing` (see StoreAccess.swift), never on the pool.
    func installAssets(_ r: inout Router) {
        r.get("/assets") { [self] _ in
            let (apps, assets) = try await store.reading { [self] in (try self.apps(), try store.assets()) }
            return .jsonValue(PiecesJSON.iterable(assets.map { PiecesJSON.asset($0, apps: apps) }))
        }
        r.post("/assets/create") { [self] req in
            let seed = try RequestBody.json(req)
            let asset = seed["asset"]
            guard let seeded = try SeedFormat.parse(asset?["format"]) else {
                throw HTTPError(400, code: "missing_field", message: "Field 'asset.format.fragment.string.raw' (or 'asset.format.file.string.raw') is required: the snippet's text.")
            }
            let name = asset?["metadata"]?["name"]?.string
            let (text, language) = (seeded.text, seeded.language)
            let (created, apps) = try await store.writing { [self] () throws -> (AssetRecord, [String: ApplicationRecord]) in
                let appID = try applicationID(from: asset?["application"])
                return (try store.createAsset(name: name, text: text, specific: language, applicationID: appID), try self.apps())
            }
            logger.info("pieces.asset_created", ["asset": created.id, "request_id": req.requestID])
            return .jsonValue(PiecesJSON.asset(created, apps: apps))
        }
        let getAsset: @Sendable (Request) async throws -> Response = { [self] req in
            let id = try req.require("asset")
            let (a, apps) = try await store.reading { [self] () throws -> (AssetRecord, [String: ApplicationRecord]) in
                guard let a = try store.asset(id) else { throw HTTPError.notFound("No asset with id '\(id)'. List them with GET /assets.") }
                return (a, try self.apps())
            }
            return .jsonValue(PiecesJSON.asset(a, apps: apps))
        }
        r.get("/asset/:asset", getAsset)
        r.get("/assets/:asset", getAsset)
        r.post("/asset/update") { [self] req in
            let body = try RequestBody.json(req)
            let id = try RequestBody.string(body["id"], "id")
            let text = body["original"]?["reference"]?["fragment"]?["string"]?["raw"]?.string
                ?? body["formats"]?["iterable"]?[0]?["fragment"]?["string"]?["raw"]?.string
            if let text, text.utf8.count > PiecesAPI.maxFragmentBytes {
                throw HTTPError(413, code: "fragment_too_large", message: "A snippet may hold at most \(PiecesAPI.maxFragmentBytes) bytes.")
            }
            let specific = body["original"]?["reference"]?["classification"]?["specific"]?.string
            let (updated, apps) = try await store.writing { [self] () throws -> (AssetRecord, [String: ApplicationRecord]) in
                guard let updated = try store.updateAsset(id: id, name: body["name"]?.string, favorited: body["favorited"]?.bool,
                                                          text: text, specific: specific) else {
                    throw HTTPError.notFound("No asset with id '\(id)'.")
                }
                return (updated, try self.apps())
            }
            return .jsonValue(PiecesJSON.asset(updated, apps: apps))
        }
        r.post("/assets/:asset/delete") { [self] req in
            let id = try req.require("asset")
            guard try await store.writing({ [store] in try store.deleteAsset(id) }) else { throw HTTPError.notFound("No asset with id '\(id)'.") }
            return .jsonValue(.string(id))
        }
        r.get("/assets/search") { [self] req in .jsonValue(try await searchedAssets(req.query["query"] ?? req.query["q"])) }
        r.post("/assets/search") { [self] req in
            // The seed spec answers SearchedAssets; the SDK reads {"results": SearchedAssets}. Both, in one object.
            let body = try RequestBody.optionalJSON(req)
            let found = try await searchedAssets(body["query"]?.string ?? req.query["query"])
            guard case .object(var o) = found else { return .jsonValue(found) }
            o["results"] = found
            return .jsonValue(.object(o))
        }
        r.get("/formats") { [self] _ in
            let (all, apps, formats) = try await store.reading { [self] in (try store.assets(), try self.apps(), try store.formats()) }
            let assets = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            return .jsonValue(PiecesJSON.iterable(formats.map { PiecesJSON.format($0, asset: assets[$0.assetID], apps: apps) }))
        }
        r.get("/format/:format") { [self] req in
            let id = try req.require("format")
            let (f, asset, apps) = try await store.reading { [self] () throws -> (FormatRecord, AssetRecord?, [String: ApplicationRecord]) in
                guard let f = try store.format(id) else { throw HTTPError.notFound("No format with id '\(id)'.") }
                return (f, try store.asset(f.assetID), try self.apps())
            }
            return .jsonValue(PiecesJSON.format(f, asset: asset, apps: apps))
        }
    }

    /// The application a seed names, registered on the fly if new; else the platform's own. Call it on the writer's thread.
    func applicationID(from app: JSONValue?) throws -> String {
        guard let app, let id = app["id"]?.string, !id.isEmpty else { return PiecesStore.platformAppID }
        if try store.application(id) == nil {
            _ = try store.register(ApplicationRecord(id: id, name: app["name"]?.string ?? "UNKNOWN", version: app["version"]?.string ?? "0.0.0",
                                                     platform: app["platform"]?.string ?? "UNKNOWN", privacy: app["privacy"]?.string ?? "OPEN",
                                                     onboarded: app["onboarded"]?.bool ?? true, created: PiecesTime.now()))
        }
        return id
    }

    // MARK: conversations

    func installConversations(_ r: inout Router) {
        r.get("/conversations") { [self] _ in
            .jsonValue(PiecesJSON.iterable(try await store.reading { [store] in try store.conversations() }.map(PiecesJSON.conversation)))
        }
        r.post("/conversations/create") { [self] req in
            let body = try RequestBody.optionalJSON(req)
            let name = body["name"]?.string
            return .jsonValue(PiecesJSON.conversation(try await store.writing { [store] in try store.createConversation(name: name) }))
        }
        r.get("/conversation/:conversation") { [self] req in
            let id = try req.require("conversation")
            guard let c = try await store.reading({ [store] in try store.conversation(id) }) else {
                throw HTTPError.notFound("No conversation with id '\(id)'. List them with GET /conversations.")
            }
            return .jsonValue(PiecesJSON.conversation(c))
        }
        r.get("/conversation/:conversation/messages") { [self] req in
            let id = try req.require("conversation")
            let messages = try await store.reading { [store] () throws -> [MessageRecord] in
                guard try store.conversation(id) != nil else { throw HTTPError.notFound("No conversation with id '\(id)'.") }
                return try store.messages(id)
            }
            return .jsonValue(PiecesJSON.iterable(messages.map(PiecesJSON.message)))
        }
    }

    // MARK: models

    func installModels(_ r: inout Router) {
                // An entry's JSON reads the selected model and stored download states: on a reader thread.
        r.get("/models") { [self] _ in .jsonValue(PiecesJSON.iterable(try await store.reading { [self] in models.entries.map(modelJSON) })) }
        r.get("/model/:model") { [self] req in
            let m = try model(req)
            return .jsonValue(try await store.reading { [self] in modelJSON(m) })
        }
        r.post("/model/:model/download") { [self] req in
            let m = try model(req)
            downloads.start(id: m.id, modelName: m.modelName, baseURL: models.baseURL(m))
            return .jsonValue(try await store.reading { [self] in modelJSON(m) })
        }
        r.post("/model/:model/download/cancel") { [self] req in
            let m = try model(req)
            downloads.cancel(m.id)
            return .jsonValue(try await store.reading { [self] in modelJSON(m) })
        }
        r.webSocket("/model/:model/download/progress") { [self] ws in
            let id = ws.request.parameter("model") ?? ""
            guard models.entry(id) != nil else {
                await ws.close(code: 4404, reason: "no such model")
                return
            }
            // The first state may come from SQLite.
            guard let progress = try? await store.reading({ [downloads] in downloads.watch(id) }) else {
                await ws.close(code: 1011, reason: "storage error")
                return
            }
            for await state in progress {
                try? await ws.send(state.progressJSON.text)
            }
        }
        r.post("/model/:model/load") { [self] req in
            let m = try model(req)
            return .jsonValue(try await store.writing { [self] in
                try models.load(m.id)
                return modelJSON(m)
            })
        }
        r.post("/model/:model/unload") { [self] req in
            let m = try model(req)
            return .jsonValue(try await store.writing { [self] in
                try models.unload(m.id)
                return modelJSON(m)
            })
        }
    }

    /// Reads SQLite: call it in `store.reading`.
    func modelJSON(_ m: ModelRegistry.Entry) -> JSONValue { models.json(m, download: downloads.state(m.id)) }

    func model(_ req: Request) throws -> ModelRegistry.Entry {
        let id = try req.require("model")
        guard let m = models.entry(id) else { throw HTTPError.notFound("No model with id '\(id)'. List them with GET /models.") }
        return m
    }

    // MARK: applications and user

    func installApplications(_ r: inout Router) {
        r.get("/applications") { [self] _ in
            .jsonValue(PiecesJSON.iterable(try await store.reading { [store] in try store.applications() }.map(PiecesJSON.application)))
        }
        r.post("/applications/register") { [self] req in
            let body = try RequestBody.json(req)
            let record = ApplicationRecord(id: try RequestBody.string(body["id"], "id"), name: try RequestBody.string(body["name"], "name"),
                                           version: body["version"]?.string ?? "0.0.0", platform: body["platform"]?.string ?? "UNKNOWN",
                                           privacy: body["privacy"]?.string ?? "OPEN", onboarded: body["onboarded"]?.bool ?? true,
                                           created: PiecesTime.now())
            return .jsonValue(PiecesJSON.application(try await store.writing { [store] in try store.register(record) }))
        }
        r.post("/applications/session/open") { [self] req in
            let body = try RequestBody.optionalJSON(req)
            let app = body.string ?? body["id"]?.string
            let s = try await store.writing { [store] in try store.openSession(applicationID: app) }
            return .jsonValue(["id": .string(s.id), "opened": PiecesTime.grouped(s.opened)])
        }
        r.post("/applications/session/close") { [self] req in
            let body = try RequestBody.optionalJSON(req)
            let id = body.string ?? body["id"]?.string
            guard let s = try await store.writing({ [store] in try store.closeSession(id) }) else {
                throw HTTPError.notFound("No open session to close. Open one with POST /applications/session/open.")
            }
            return .jsonValue(["id": .string(s.id), "opened": PiecesTime.grouped(s.opened), "closed": PiecesTime.grouped(s.closed)])
        }
        // The local user, so clients consider themselves signed in.
        r.add("GET", "/user", .inline { _ in .jsonValue(LocalUser.snapshot) })
    }
}
