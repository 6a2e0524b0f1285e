import Core
import Crypto
import Foundation
import LLM
import Store
import Synchronization

/// Where the LLM comes from: a provider (OpenAI-compatible or Anthropic) when configured, else nothing (the offline engine).
public struct LLMSettings: Sendable, Equatable {
    public var baseURL: String?
    public var apiKey: String?
    public var model: String?
    /// The protocol named explicitly; nil means detected from the base URL.
    public var provider: LLMProviderKind?

    public init(baseURL: String? = nil, apiKey: String? = nil, model: String? = nil, provider: LLMProviderKind? = nil) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.provider = provider
    }

    public var isConfigured: Bool { baseURL != nil }
    /// The protocol in use: the explicit choice, else what the base URL says.
    public var kind: LLMProviderKind { provider ?? LLMProviderKind.detect(baseURL: baseURL) }
    /// The model in use: the configured one, else the provider's default.
    public var effectiveModel: String { model ?? kind.defaultModel }
}

/// The models QGPT can use: the configured provider's model, the offline engine, and the catalogue's aliases
/// (which run on the first of those). `load` picks one; the choice persists.
final class ModelRegistry: Sendable {
    struct Entry: Sendable {
        var id: String
        var name: String
        var cloud: Bool
        var provider: any LLMProvider
        /// The model that actually answers, at the provider.
        var modelName: String
        /// Set for a catalogue alias: the name and unique clients asked for.
        var alias: CatalogueAlias? = nil
        /// The provider's host, for saying where an alias runs.
        var host: String? = nil

        /// What clients match by `unique`.
        var unique: String { alias?.unique ?? modelName }
    }

    private let state: Locked<(settings: LLMSettings, entries: [Entry])>
    let db: Database
    let logger: Logger?
    static let settingKey = "qgpt.model"

    init(settings: LLMSettings, db: Database, logger: Logger?) {
        self.db = db
        self.logger = logger
        state = Locked((settings, ModelRegistry.entries(for: settings, logger: logger)))
    }

    var entries: [Entry] { state.withLock { $0.entries } }
    var settings: LLMSettings { state.withLock { $0.settings } }

    /// Swaps the provider at run time (the API's LLM settings). Requests already running finish on the old one.
    func reconfigure(_ settings: LLMSettings) {
        let entries = ModelRegistry.entries(for: settings, logger: logger)
        state.withLock { $0 = (settings, entries) }
    }

    private static func entries(for settings: LLMSettings, logger: Logger?) -> [Entry] {
        var entries: [Entry] = []
        if let base = settings.baseURL {
            let model = settings.effectiveModel
            let provider = settings.kind.makeProvider(baseURL: base, apiKey: settings.apiKey, model: model, logger: logger)
            let host = URL(string: base)?.host ?? ""
            let local = host == "127.0.0.1" || host == "localhost" || host == "::1"
            entries.append(Entry(id: ModelRegistry.id(base, model), name: model, cloud: !local, provider: provider, modelName: model,
                                 host: URL(string: base)?.port.map { "\(host):\($0)" } ?? host))
        }
        entries.append(Entry(id: OfflineEngine.modelID, name: "OpenPieces offline (answers from your snippets)", cloud: false,
                             provider: OfflineEngine(), modelName: OfflineEngine.modelID))
        // The aliases run on what QGPT would use by default: the configured provider, else the offline engine.
        let target = entries[0]
        for alias in ModelCatalogue.aliases {
            var e = target
            e.id = alias.id
            e.name = alias.name
            e.alias = alias
            entries.append(e)
        }
        return entries
    }

    /// A stable id that never contains `/` (model names often do).
    static func id(_ base: String, _ model: String) -> String {
        "m-" + Hex.encode(Array(Digest.sha256(Array("\(base)|\(model)".utf8)).prefix(8)))
    }

    func entry(_ id: String) -> Entry? { entries.first { $0.id == id } }

    /// The model QGPT uses unless a request names one: the loaded one, else the first configured.
    func selected() -> Entry {
        let saved = (try? db.read { try $0.queryOne("SELECT value FROM settings WHERE key = ?", [ModelRegistry.settingKey])?["value"].string }) ?? nil
        return saved.flatMap { entry($0) } ?? entries[0]
    }

    /// The entry a request names: by id, else by `unique` or name (how clients refer to catalogue models); else the selected one.
    func resolve(_ requested: String?) -> Entry {
        guard let requested, !requested.isEmpty else { return selected() }
        let all = entries
        return all.first { $0.id == requested } ?? all.first { $0.unique == requested || $0.name == requested } ?? selected()
    }

    func load(_ id: String) throws {
        try db.write { conn in try conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = \(conn.dialect.now)",
                                      [ModelRegistry.settingKey, id]) }
    }

    func unload(_ id: String) throws {
        try db.write { try $0.execute("DELETE FROM settings WHERE key = ? AND value = ?", [ModelRegistry.settingKey, id]) }
    }

    /// The provider's base URL for entries that talk to one (downloads pull from it).
    func baseURL(_ e: Entry) -> String? {
        // An alias has nothing to pull: it is a name for the provider's model.
        e.alias != nil || e.provider.isOffline || settings.kind == .anthropic ? nil : settings.baseURL  // nothing to pull from Anthropic
    }

    func json(_ e: Entry, download: ModelDownloads.State?) -> JSONValue {
        let loaded = selected().id == e.id
        // Cloud models and the offline engine are always there; a local runtime's model is there once pulled
        // (or when nobody asked: most runtimes serve what they list).
        let downloaded = download?.downloaded ?? true
        var o: [String: JSONValue] = [
            "id": .string(e.id), "name": .string(e.name), "version": "1", "cloud": .bool(e.cloud),
            "created": PiecesTime.grouped("2026-01-01T00:00:00.000Z"), "type": "BALANCED", "usage": "CODE_CONVERSATION",
            "downloaded": .bool(e.alias != nil || e.cloud || e.provider.isOffline || downloaded),
            "downloading": .bool(download?.isRunning ?? false), "loaded": .bool(loaded), "unique": .string(e.unique),
            "description": .string(summary(e))]
        if let alias = e.alias { o["foundation"] = .string(alias.foundation) }
        return .object(o)
    }

    /// One line on what answers: for an alias, plainly where it really runs.
    func summary(_ e: Entry) -> String {
        if let alias = e.alias {
            if e.provider.isOffline {
                return "Alias of '\(alias.unique)' for Pieces clients: no LLM provider is configured, so it runs on the OpenPieces offline engine "
                    + "(answers from your snippets). Configure a provider (--llm-base-url, or the dashboard's LLM settings) for a real model."
            }
            return "Alias of '\(alias.unique)' for Pieces clients: runs on \(e.modelName) at \(e.host ?? "the configured provider") "
                + "(the configured \(e.provider.providerName) provider)."
        }
        return switch e.provider.backend {
        case .offline: "Retrieval over your saved snippets; works offline."
        case .remote(.anthropic): "Anthropic Messages API model."
        case .remote(.openai): "OpenAI-compatible provider model."
        }
    }
}
