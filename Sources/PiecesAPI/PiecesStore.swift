import Core
import Foundation
import Store

/// Data access for the Pieces-compatible API. Every change is one transaction: nothing is half-written.
final class PiecesStore: Sendable {
    let db: Database
    let feed = ChangeFeed()
    /// The application that owns what the platform itself creates.
    static let platformAppID = "openpieces-os-server"

    init(db: Database) throws {
        self.db = db
        try db.write { conn in
            try conn.execute("""
                INSERT INTO applications(id, name, version, platform, privacy, onboarded, created)
                VALUES (?, 'OS_SERVER', ?, 'LINUX', 'OPEN', 1, ?) ON CONFLICT DO NOTHING
                """, [PiecesStore.platformAppID, ProductVersion.current, PiecesTime.now()])
        }
    }

    // MARK: applications

    func applications() throws -> [ApplicationRecord] {
        try db.read { try $0.query("SELECT * FROM applications ORDER BY created, id").map(Self.application) }
    }

    func application(_ id: String) throws -> ApplicationRecord? {
        try db.read { try $0.queryOne("SELECT * FROM applications WHERE id = ?", [id]).map(Self.application) }
    }

    func register(_ app: ApplicationRecord) throws -> ApplicationRecord {
        try db.write { conn in
            try conn.execute("""
                INSERT INTO applications(id, name, version, platform, privacy, onboarded, created) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET name = excluded.name, version = excluded.version, platform = excluded.platform,
                    privacy = excluded.privacy, onboarded = excluded.onboarded
                """, [app.id, app.name, app.version, app.platform, app.privacy, app.onboarded, app.created])
        }
        feed.publish(Change(kind: .application, id: app.id, deleted: false))
        return try application(app.id) ?? app
    }

    func openSession(applicationID: String?) throws -> (id: String, opened: String) {
        let id = IDs.make(), now = PiecesTime.now()
        try db.write { try $0.execute("INSERT INTO app_sessions(id, application_id, opened) VALUES (?, ?, ?)", [id, applicationID, now]) }
        return (id, now)
    }

    func closeSession(_ id: String?) throws -> (id: String, opened: String, closed: String)? {
        let now = PiecesTime.now()
        return try db.write { conn -> (id: String, opened: String, closed: String)? in
            let row: Row? = if let id {
                try conn.queryOne("SELECT * FROM app_sessions WHERE id = ?", [id])
            } else {
                try conn.queryOne("SELECT * FROM app_sessions WHERE closed IS NULL ORDER BY opened DESC LIMIT 1")
            }
            guard let row else { return nil }
            let sid = try row.text("id")
            try conn.execute("UPDATE app_sessions SET closed = ? WHERE id = ?", [now, sid])
            return (sid, try row.text("opened"), now)
        }
    }

    /// Decodes an `applications` row; a missing column is an error, not a default (as for every row reader here).
    static func application(_ r: Row) throws -> ApplicationRecord {
        ApplicationRecord(id: try r.text("id"), name: try r.text("name"), version: try r.text("version"),
                          platform: try r.text("platform"), privacy: try r.text("privacy"),
                          onboarded: try r.bool("onboarded"), created: try r.text("created"))
    }

    // MARK: assets

    func createAsset(name: String?, text: String, specific: String?, applicationID: String, mechanism: String = "MANUAL") throws -> AssetRecord {
        let id = IDs.make(), formatID = IDs.make(), now = PiecesTime.now()
        let lang = specific ?? Classifier.detect(text)
        let title = name?.isEmpty == false ? name! : Self.defaultName(text, lang)
        try db.write { conn in
            try conn.execute("INSERT INTO assets(id, name, creator, mechanism, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
                             [id, title, applicationID, mechanism, now, now])
            try conn.execute("""
                INSERT INTO formats(id, asset_id, application_id, generic, specific, text, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [formatID, id, applicationID, Classifier.generic(for: lang), lang, text, now, now])
            try PiecesSchema.assetIndex.insert(conn, id: id, [title, text])
        }
        feed.publish(Change(kind: .asset, id: id, deleted: false))
        return try asset(id)!
    }

    /// Inserts many assets in one transaction (benchmarks, imports).
    func bulkCreate(_ items: [(name: String, text: String)]) throws {
        let now = PiecesTime.now()
        let ids = items.map { _ in IDs.make() }
        try db.write { conn in
            for (item, id) in zip(items, ids) {
                let lang = Classifier.detect(item.text)
                try conn.execute("INSERT INTO assets(id, name, creator, created, updated) VALUES (?, ?, ?, ?, ?)", [id, item.name, Self.platformAppID, now, now])
                try conn.execute("INSERT INTO formats(id, asset_id, application_id, generic, specific, text, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 [IDs.make(), id, Self.platformAppID, Classifier.generic(for: lang), lang, item.text, now, now])
                try PiecesSchema.assetIndex.insert(conn, id: id, [item.name, item.text])
            }
        }
        for id in ids { feed.publish(Change(kind: .asset, id: id, deleted: false)) }
    }

    static func defaultName(_ text: String, _ lang: String) -> String {
        let line = text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let short = line.count > 60 ? String(line.prefix(57)) + "..." : line
        return short.isEmpty ? "Untitled \(lang) snippet" : short
    }

    func asset(_ id: String) throws -> AssetRecord? {
        try db.read { conn in try Self.loadAssets(conn, where: "WHERE a.id = ?", [id]).first }
    }

    func assets() throws -> [AssetRecord] {
        try db.read { conn in try Self.loadAssets(conn, where: "", []) }
    }

    func assets(ids: [String]) throws -> [AssetRecord] {
        guard !ids.isEmpty else { return [] }
        let marks = ids.map { _ in "?" }.joined(separator: ",")
        let found = try db.read { conn in try Self.loadAssets(conn, where: "WHERE a.id IN (\(marks))", ids) }
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }
    }

    private static func loadAssets(_ conn: any SQLConnection, where clause: String, _ args: [any SQLBindable]) throws -> [AssetRecord] {
        let rows = try conn.query("""
            SELECT a.id AS a_id, a.name, a.creator, a.mechanism, a.favorited, a.created AS a_created, a.updated AS a_updated,
                   f.id AS f_id, f.application_id, f.generic, f.specific, f.text, f.created AS f_created, f.updated AS f_updated
            FROM assets a JOIN formats f ON f.asset_id = a.id \(clause) ORDER BY a.created DESC, a.id, f.created
            """, args)
        var out: [AssetRecord] = []
        for r in rows {
            let id = try r.text("a_id")
            let f = FormatRecord(id: try r.text("f_id"), assetID: id, applicationID: try r.text("application_id"),
                                 generic: try r.text("generic"), specific: try r.text("specific"),
                                 text: try r.text("text"), created: try r.text("f_created"), updated: try r.text("f_updated"))
            if out.last?.id == id {
                out[out.count - 1].formats.append(f)
            } else {
                out.append(AssetRecord(id: id, name: try r.text("name"), creator: try r.text("creator"),
                                       mechanism: try r.text("mechanism"), favorited: try r.bool("favorited"),
                                       created: try r.text("a_created"), updated: try r.text("a_updated"), formats: [f]))
            }
        }
        return out
    }

    /// Updates name, favorite flag and the original format's text/classification. Nil leaves a field as it is.
    func updateAsset(id: String, name: String?, favorited: Bool?, text: String?, specific: String?) throws -> AssetRecord? {
        let now = PiecesTime.now()
        let found = try db.write { conn -> Bool in
            guard try conn.queryOne("SELECT id FROM assets WHERE id = ?", [id]) != nil else { return false }
            if let name { try conn.execute("UPDATE assets SET name = ? WHERE id = ?", [name, id]) }
            if let favorited { try conn.execute("UPDATE assets SET favorited = ? WHERE id = ?", [favorited, id]) }
            if text != nil || specific != nil {
                guard let f = try conn.queryOne("SELECT id, text, specific FROM formats WHERE asset_id = ? ORDER BY created LIMIT 1", [id]) else { return true }
                let newText = try text ?? f.text("text")
                let lang = try specific ?? (text != nil ? Classifier.detect(newText) : f.text("specific"))
                try conn.execute("UPDATE formats SET text = ?, specific = ?, generic = ?, updated = ? WHERE id = ?",
                                 [newText, lang, Classifier.generic(for: lang), now, try f.text("id")])
            }
            try conn.execute("UPDATE assets SET updated = ? WHERE id = ?", [now, id])
            let current = try conn.queryOne("SELECT a.name, f.text FROM assets a JOIN formats f ON f.asset_id = a.id WHERE a.id = ? ORDER BY f.created LIMIT 1", [id])
            try PiecesSchema.assetIndex.replace(conn, id: id, [try current?.text("name") ?? "", try current?.text("text") ?? ""])
            return true
        }
        guard found else { return nil }
        feed.publish(Change(kind: .asset, id: id, deleted: false))
        return try asset(id)
    }

    func deleteAsset(_ id: String) throws -> Bool {
        let deleted = try db.write { conn in
            try PiecesSchema.assetIndex.remove(conn, id: id)
            return try conn.execute("DELETE FROM assets WHERE id = ?", [id]) > 0
        }
        if deleted { feed.publish(Change(kind: .asset, id: id, deleted: true)) }
        return deleted
    }

    func assetIDs() throws -> [String] {
        try db.read { try $0.query("SELECT id FROM assets ORDER BY created DESC, id").map { try $0.text("id") } }
    }

    func conversationIDs() throws -> [String] {
        try db.read { try $0.query("SELECT id FROM conversations ORDER BY updated DESC, id").map { try $0.text("id") } }
    }

    func format(_ id: String) throws -> FormatRecord? {
        try db.read { conn in
            try conn.queryOne("SELECT * FROM formats WHERE id = ?", [id]).map(Self.format)
        }
    }

    func formats() throws -> [FormatRecord] {
        try db.read { try $0.query("SELECT * FROM formats ORDER BY created DESC, id").map(Self.format) }
    }

    private static func format(_ r: Row) throws -> FormatRecord {
        FormatRecord(id: try r.text("id"), assetID: try r.text("asset_id"), applicationID: try r.text("application_id"),
                     generic: try r.text("generic"), specific: try r.text("specific"), text: try r.text("text"),
                     created: try r.text("created"), updated: try r.text("updated"))
    }

    // MARK: search

    /// Full-text search over names and fragment text, best first. Exact: the whole query appears verbatim.
    func search(_ query: String, limit: Int = 50) throws -> [SearchHit] {
        let tokens = SearchQuery.tokens(query)
        guard !tokens.isEmpty else { return [] }
        // Every token as a prefix; all of them first (exact-ish), then any of them (suggested).
        let index = PiecesSchema.assetIndex
        let searches = (tokens.count > 1 ? [.all, .any] : [.all]).compactMap { index.search(db.dialect, terms: tokens, match: $0) }
        let needle = query.lowercased()
        return try db.read { conn in
            var hits: [SearchHit] = []
            var seen = Set<String>()
            for match in searches where hits.count < limit {
                let rows = try conn.query("""
                    SELECT s.asset_id, s.name, s.content, \(match.relevance) AS relevance FROM \(match.from)
                    WHERE \(match.condition) ORDER BY relevance DESC LIMIT ?
                    """, [match.argument, limit])
                for r in rows {
                    let id = try r.text("asset_id")
                    guard !seen.contains(id) else { continue }
                    seen.insert(id)
                    let name = try r.text("name").lowercased(), content = try r.text("content").lowercased()
                    let inName = tokens.contains { name.contains($0) }, inContent = tokens.contains { content.contains($0) }
                    let match = inName && inContent ? "MULTIPLE" : (inName ? "TITLE" : (inContent ? "CONTENT" : "FUZZY"))
                    let exact = name.contains(needle) || content.contains(needle)
                    // Relevance is ≥ 0, bigger is better: map to [0, 1).
                    let relevance = max(0, try r.double("relevance"))
                    let score = relevance / (1 + relevance)
                    hits.append(SearchHit(assetID: id, exact: exact, match: match, score: score))
                    if hits.count >= limit { break }
                }
            }
            return hits.sorted { ($0.exact ? 1 : 0, $0.score) > ($1.exact ? 1 : 0, $1.score) }
        }
    }

    // MARK: conversations

    func conversations() throws -> [ConversationRecord] {
        try db.read { conn in
            let rows = try conn.query("SELECT * FROM conversations ORDER BY updated DESC, id")
            let msgs = try conn.query("SELECT id, conversation_id FROM conversation_messages ORDER BY conversation_id, seq")
            var byConv: [String: [String]] = [:]
            for m in msgs { byConv[try m.text("conversation_id"), default: []].append(try m.text("id")) }
            let links = try Self.links(conn, conversationID: nil)
            return try rows.map { r in
                let id = try r.text("id")
                var c = try Self.conversation(r, byConv[id] ?? [])
                c.assetIDs = links.assets[id] ?? []
                c.anchorIDs = links.anchors[id] ?? []
                c.groundingMessageIDs = links.messages[id] ?? []
                return c
            }
        }
    }

    func conversation(_ id: String) throws -> ConversationRecord? {
        try db.read { conn in
            guard let r = try conn.queryOne("SELECT * FROM conversations WHERE id = ?", [id]) else { return nil }
            let ids = try conn.query("SELECT id FROM conversation_messages WHERE conversation_id = ? ORDER BY seq", [id]).map { try $0.text("id") }
            let links = try Self.links(conn, conversationID: id)
            var c = try Self.conversation(r, ids)
            c.assetIDs = links.assets[id] ?? []
            c.anchorIDs = links.anchors[id] ?? []
            c.groundingMessageIDs = links.messages[id] ?? []
            return c
        }
    }

    func createConversation(name: String?, modelID: String? = nil) throws -> ConversationRecord {
        let id = IDs.make(), now = PiecesTime.now()
        try db.write { try $0.execute("INSERT INTO conversations(id, name, model_id, created, updated) VALUES (?, ?, ?, ?, ?)", [id, name, modelID, now, now]) }
        feed.publish(Change(kind: .conversation, id: id, deleted: false))
        return try conversation(id)!
    }

    func messages(_ conversationID: String) throws -> [MessageRecord] {
        try db.read { try $0.query("SELECT * FROM conversation_messages WHERE conversation_id = ? ORDER BY seq", [conversationID]).map(Self.message) }
    }

    @discardableResult
    func appendMessage(_ conversationID: String, role: String, text: String, modelID: String?, modelName: String? = nil) throws -> MessageRecord {
        let id = IDs.ordered(), now = PiecesTime.now()
        try db.write { conn in
            let seq = try conn.queryOne("SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM conversation_messages WHERE conversation_id = ?", [conversationID])?.int("s") ?? 1
            try conn.execute("INSERT INTO conversation_messages(id, conversation_id, seq, role, text, model_id, model_name, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             [id, conversationID, seq, role, text, modelID, modelName, now, now])
            try conn.execute("UPDATE conversations SET updated = ? WHERE id = ?", [now, conversationID])
        }
        feed.publish(Change(kind: .conversation, id: conversationID, deleted: false))
        return try db.read { try $0.queryOne("SELECT * FROM conversation_messages WHERE id = ?", [id]).map(Self.message) }!
    }

    static func conversation(_ r: Row, _ messageIDs: [String]) throws -> ConversationRecord {
        ConversationRecord(id: try r.text("id"), name: try r.optionalText("name"), type: try r.text("type"),
                           modelID: try r.optionalText("model_id"), created: try r.text("created"), updated: try r.text("updated"),
                           messageIDs: messageIDs)
    }

    static func message(_ r: Row) throws -> MessageRecord {
        MessageRecord(id: try r.text("id"), conversationID: try r.text("conversation_id"), seq: try r.int("seq"),
                      role: try r.text("role"), text: try r.text("text"), modelID: try r.optionalText("model_id"),
                      modelName: try r.optionalText("model_name"), created: try r.text("created"), updated: try r.text("updated"))
    }
}

enum SearchQuery {
    /// Lower-cased word tokens, at most 16, each at most 64 characters: FTS5 syntax never reaches MATCH.
    static func tokens(_ query: String) -> [String] {
        let words = query.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" })
        return Array(words.prefix(16).map { String($0.prefix(64)) })
    }
}
