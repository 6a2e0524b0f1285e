import Core
import Store

/// Ranked matches among conversation messages (the MCP `ask_pieces_ltm` tool): word overlap with the query,
/// recent messages first among equals. Conversations are small next to assets, so a bounded LIKE scan does.
extension PiecesStore {
    func searchMessages(_ query: String, limit: Int) throws -> [(message: MessageRecord, conversation: String?, score: Double)] {
        let tokens = Array(SearchQuery.tokens(query).filter { $0.count >= 2 }.prefix(8))
        guard !tokens.isEmpty else { return [] }
        // lower() on both sides of LIKE: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
        let clause = tokens.map { _ in "lower(m.text) LIKE ? ESCAPE '\\'" }.joined(separator: " OR ")
        let args: [any SQLBindable] = tokens.map { "%" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%" }
        let rows = try db.read { conn in
            try conn.query("""
                SELECT m.*, c.name AS conversation_name FROM conversation_messages m JOIN conversations c ON c.id = m.conversation_id
                WHERE \(clause) ORDER BY m.created DESC LIMIT 500
                """, args)
        }
        var scored: [(MessageRecord, String?, Double)] = []
        for r in rows {
            let m = MessageRecord(id: r["id"].string ?? "", conversationID: r["conversation_id"].string ?? "", seq: r["seq"].int ?? 0,
                                  role: r["role"].string ?? "USER", text: r["text"].string ?? "", modelID: r["model_id"].string,
                                  created: r["created"].string ?? "", updated: r["updated"].string ?? "")
            let words = Set(SearchQuery.tokens(m.text))
            let hits = tokens.filter { t in words.contains { $0.hasPrefix(t) } }.count
            guard hits > 0 else { continue }
            scored.append((m, r["conversation_name"].string, Double(hits) / Double(tokens.count)))
        }
        // Stable: the rows came newest first, and sort keeps that order among equal scores.
        return Array(scored.enumerated().sorted { ($0.element.2, -$0.offset) > ($1.element.2, -$1.offset) }.map(\.element).prefix(limit))
    }
}

extension PiecesAPI {
    /// Conversation messages that match `query`, best first: id, conversation, role, text, score.
    public func searchConversations(_ query: String, limit: Int = 5) throws -> [JSONValue] {
        try store.searchMessages(query, limit: max(1, min(limit, 50))).map { hit in
            var o: [String: JSONValue] = ["id": .string(hit.message.id), "conversation": .string(hit.message.conversationID),
                                          "role": .string(hit.message.role), "text": .string(String(hit.message.text.prefix(4000))),
                                          "created": .string(hit.message.created), "score": .number((hit.score * 1000).rounded() / 1000)]
            if let name = hit.conversation { o["conversationName"] = .string(name) }
            return .object(o)
        }
    }

    /// Best-matching snippets with their relevance, for callers that rank across sources.
    public func rankedSnippets(_ query: String, limit: Int = 5) throws -> [JSONValue] {
        let hits = try store.search(query, limit: max(1, min(limit, 50)))
        let assets = Dictionary(try store.assets(ids: hits.map(\.assetID)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return hits.compactMap { h in
            guard let a = assets[h.assetID] else { return nil }
            return ["id": .string(a.id), "name": .string(a.name), "language": .string(a.formats.first?.specific ?? "text"),
                    "text": .string(String((a.formats.first?.text ?? "").prefix(4000))), "created": .string(a.created),
                    "score": .number((h.score * 1000).rounded() / 1000), "exact": .bool(h.exact)]
        }
    }
}
