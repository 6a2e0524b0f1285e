import Core
import Store

/// Anchors, conversation groundings, renames and deletes, single messages and format values.
extension PiecesStore {
    // MARK: conversation links

    /// The assets, anchors and messages each conversation is grounded on (one conversation, or all with nil), oldest link first.
    static func links(_ conn: any SQLConnection, conversationID: String?) throws -> (assets: [String: [String]], anchors: [String: [String]], messages: [String: [String]]) {
        let filter = conversationID == nil ? "" : "WHERE conversation_id = ?"
        let args: [any SQLBindable] = conversationID.map { [$0] } ?? []
        func load(_ target: LinkTarget) throws -> [String: [String]] {
            var out: [String: [String]] = [:]
            for r in try conn.query("SELECT conversation_id, \(target.column) AS id FROM \(target.table) \(filter) ORDER BY created, \(target.column)", args) {
                out[try r.text("conversation_id"), default: []].append(try r.text("id"))
            }
            return out
        }
        return (try load(.asset), try load(.anchor), try load(.message))
    }

    /// What a conversation can be grounded on; the raw value is the path segment (`/conversation/{c}/assets/...`).
    enum LinkTarget: String, CaseIterable {
        case asset, anchor, message

        var table: String {
            switch self {
            case .asset: "conversation_assets"
            case .anchor: "conversation_anchors"
            case .message: "conversation_grounding_messages"
            }
        }
        var column: String { rawValue + "_id" }
        var owner: String { self == .message ? "conversation_messages" : rawValue + "s" }
        /// The route under `/conversation/{c}/`: messages ground a conversation under `grounding/`.
        var path: String { self == .message ? "grounding/messages" : rawValue + "s" }
    }

    /// Links (or unlinks) an asset, anchor or message to a conversation. False when either side does not exist.
    func link(conversation: String, _ target: LinkTarget, _ id: String, associate: Bool) throws -> Bool {
        let found = try db.write { conn -> Bool in
            guard try conn.queryOne("SELECT id FROM conversations WHERE id = ?", [conversation]) != nil,
                  try conn.queryOne("SELECT id FROM \(target.owner) WHERE id = ?", [id]) != nil else { return false }
            if associate {
                try conn.execute("INSERT INTO \(target.table)(conversation_id, \(target.column), created) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [conversation, id, PiecesTime.now()])
            } else {
                try conn.execute("DELETE FROM \(target.table) WHERE conversation_id = ? AND \(target.column) = ?", [conversation, id])
            }
            return true
        }
        if found {
            feed.publish(Change(kind: .conversation, id: conversation, deleted: false))
            if target == .anchor { feed.publish(Change(kind: .anchor, id: id, deleted: false)) }
        }
        return found
    }

    // MARK: conversations

    /// Renames a conversation; nil when there is none with that id.
    func renameConversation(_ id: String, name: String) throws -> ConversationRecord? {
        let changed = try db.write { try $0.execute("UPDATE conversations SET name = ?, updated = ? WHERE id = ?", [name, PiecesTime.now(), id]) > 0 }
        guard changed else { return nil }
        feed.publish(Change(kind: .conversation, id: id, deleted: false))
        return try conversation(id)
    }

    /// Deletes a conversation with its messages and links.
    func deleteConversation(_ id: String) throws -> Bool {
        let deleted = try db.write { try $0.execute("DELETE FROM conversations WHERE id = ?", [id]) > 0 }
        if deleted { feed.publish(Change(kind: .conversation, id: id, deleted: true)) }
        return deleted
    }

    func message(_ id: String) throws -> MessageRecord? {
        try db.read { try $0.queryOne("SELECT * FROM conversation_messages WHERE id = ?", [id]).map(Self.message) }
    }

    // MARK: formats

    /// Replaces a format's text (and language, when given) and re-indexes its asset for search. Nil when unknown.
    func updateFormat(_ formatID: String, text: String, specific: String?) throws -> FormatRecord? {
        let now = PiecesTime.now()
        let assetID = try db.write { conn -> String? in
            guard let f = try conn.queryOne("SELECT asset_id, specific FROM formats WHERE id = ?", [formatID]) else { return nil }
            let assetID = try f.text("asset_id")
            let lang = try specific ?? f.text("specific")
            try conn.execute("UPDATE formats SET text = ?, specific = ?, generic = ?, updated = ? WHERE id = ?",
                             [text, lang, Classifier.generic(for: lang), now, formatID])
            try conn.execute("UPDATE assets SET updated = ? WHERE id = ?", [now, assetID])
            // The index holds the original (first) format's text.
            let current = try conn.queryOne("SELECT a.name, f.text FROM assets a JOIN formats f ON f.asset_id = a.id WHERE a.id = ? ORDER BY f.created LIMIT 1", [assetID])
            try PiecesSchema.assetIndex.replace(conn, id: assetID, [try current?.text("name") ?? "", try current?.text("text") ?? ""])
            return assetID
        }
        guard let assetID else { return nil }
        feed.publish(Change(kind: .asset, id: assetID, deleted: false))
        return try format(formatID)
    }

    // MARK: anchors

    func createAnchor(type: String, fullpath: String, name: String?) throws -> AnchorRecord {
        // One anchor per path: the SDK looks an existing one up before creating, but not every client does.
        if let existing = try db.read({ try $0.queryOne("SELECT id FROM anchors WHERE fullpath = ? AND type = ?", [fullpath, type])?.text("id") }),
           let a = try anchor(existing) {
            return a
        }
        let id = IDs.make(), now = PiecesTime.now()
        try db.write { try $0.execute("INSERT INTO anchors(id, type, fullpath, name, created, updated) VALUES (?, ?, ?, ?, ?, ?)", [id, type, fullpath, name, now, now]) }
        feed.publish(Change(kind: .anchor, id: id, deleted: false))
        return try anchor(id)!
    }

    func anchor(_ id: String) throws -> AnchorRecord? {
        try db.read { conn in
            guard let r = try conn.queryOne("SELECT * FROM anchors WHERE id = ?", [id]) else { return nil }
            var a = try Self.anchor(r)
            a.conversationIDs = try conn.query("SELECT conversation_id FROM conversation_anchors WHERE anchor_id = ? ORDER BY created", [id]).map { try $0.text("conversation_id") }
            return a
        }
    }

    func anchors(ids: [String]) throws -> [AnchorRecord] {
        try ids.compactMap { try anchor($0) }
    }

    func anchors() throws -> [AnchorRecord] {
        try anchors(ids: anchorIDs())
    }

    func anchorIDs() throws -> [String] {
        try db.read { try $0.query("SELECT id FROM anchors ORDER BY created DESC, id").map { try $0.text("id") } }
    }

    func renameAnchor(_ id: String, name: String) throws -> AnchorRecord? {
        let changed = try db.write { try $0.execute("UPDATE anchors SET name = ?, updated = ? WHERE id = ?", [name, PiecesTime.now(), id]) > 0 }
        guard changed else { return nil }
        feed.publish(Change(kind: .anchor, id: id, deleted: false))
        return try anchor(id)
    }

    func deleteAnchor(_ id: String) throws -> Bool {
        let deleted = try db.write { try $0.execute("DELETE FROM anchors WHERE id = ?", [id]) > 0 }
        if deleted { feed.publish(Change(kind: .anchor, id: id, deleted: true)) }
        return deleted
    }

    private static func anchor(_ r: Row) throws -> AnchorRecord {
        AnchorRecord(id: try r.text("id"), type: try r.text("type"), fullpath: try r.text("fullpath"),
                     name: try r.optionalText("name"), created: try r.text("created"), updated: try r.text("updated"))
    }

    // MARK: applications

    func applicationIDs() throws -> [String] {
        try applications().map(\.id)
    }
}
