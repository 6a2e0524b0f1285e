import Core
import Crypto
import Foundation
import Store

public struct BrainEntry: Sendable, Equatable {
    public var id: String
    public var kind: String
    public var text: String
    public var tags: [String]
    public var source: String?
    public var confidence: Double
    public var uses: Int
    public var created: String
    public var updated: String
    public var lastUsed: String?
    /// Search relevance, when the entry came from a search.
    public var score: Double?

    public var json: JSONValue {
        var o: [String: JSONValue] = ["id": .string(id), "kind": .string(kind), "text": .string(text),
                                      "tags": .array(tags.map { .string($0) }), "confidence": .number(confidence),
                                      "uses": JSONValue(uses), "created": .string(created), "updated": .string(updated)]
        if let source { o["source"] = .string(source) }
        if let lastUsed { o["lastUsed"] = .string(lastUsed) }
        if let score { o["score"] = .number((score * 1000).rounded() / 1000) }
        return .object(o)
    }
}

/// The agents' long-term memory: facts, decisions, preferences, built services and history, searchable with FTS5.
/// Writing what is already known reinforces it instead of piling up a duplicate; using an entry raises its confidence.
public final class Brain: Sendable {
    public static let kinds: Set<String> = ["fact", "decision", "preference", "service", "history"]
    /// Entries by text and tags; a tag's words count half a text's.
    public static let index = TextIndex(table: "brain_search", key: "entry_id", columns: [("text", 1.0), ("tags", 0.5)])
    public static let migrations: [Migration] = [
        Migration(7, "brain") { d in """
            CREATE TABLE brain_entries (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('fact', 'decision', 'preference', 'service', 'history')),
                text TEXT NOT NULL,
                tags TEXT NOT NULL DEFAULT '[]',
                source TEXT,
                confidence \(d.real) NOT NULL DEFAULT 0.5,
                uses INTEGER NOT NULL DEFAULT 0,
                fingerprint TEXT NOT NULL UNIQUE,
                created TEXT NOT NULL,
                updated TEXT NOT NULL,
                last_used TEXT
            );
            CREATE INDEX brain_kind ON brain_entries(kind, updated);
            \(Brain.index.create(d))
            """ },
    ]

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    static let maxTextBytes = 16 * 1024
    /// Two entries of a kind whose words overlap this much are one memory.
    static let mergeSimilarity = 0.85
    /// Public so that request handlers can await its calls on the database's threads (`asyncReading`/`asyncWriting`).
    public let db: Database

    public init(db: Database) { self.db = db }

    public struct WriteResult: Sendable {
        public var entry: BrainEntry
        /// True when the write reinforced an entry that already said the same.
        public var merged: Bool
    }

    /// Remembers something, or reinforces the entry that already says it.
    public func write(kind: String, text: String, tags: [String] = [], source: String? = nil, confidence: Double? = nil) throws -> WriteResult {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        try Brain.validate(kind: kind, text: text, tags: tags)
        let cleanTags = Brain.normalize(tags)
        let now = Clock.iso8601Now()
        if let same = try duplicate(of: text, kind: kind) {
            let merged = Array(Set(same.tags + cleanTags)).sorted()
            let newConfidence = min(1, max(same.confidence, confidence ?? 0) + 0.1)
            try db.write { conn in
                try conn.execute("UPDATE brain_entries SET tags = ?, confidence = ?, uses = uses + 1, updated = ?, source = COALESCE(?, source) WHERE id = ?",
                                 [Brain.tagsText(merged), newConfidence, now, source, same.id])
                try Brain.index.replace(conn, id: same.id, [same.text, merged.joined(separator: " ")])
            }
            return WriteResult(entry: try get(same.id)!, merged: true)
        }
        let id = UUID().uuidString.lowercased()
        try db.write { conn in
            try conn.execute("""
                INSERT INTO brain_entries(id, kind, text, tags, source, confidence, fingerprint, created, updated)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [id, kind, text, Brain.tagsText(cleanTags), source, min(1, max(0, confidence ?? 0.5)),
                      Brain.fingerprint(kind, text), now, now])
            try Brain.index.insert(conn, id: id, [text, cleanTags.joined(separator: " ")])
        }
        return WriteResult(entry: try get(id)!, merged: false)
    }

    /// Ranked search: text relevance weighted by confidence; optionally one kind and entries carrying every tag.
    public func search(_ query: String, kind: String? = nil, tags: [String] = [], limit: Int = 10) throws -> [BrainEntry] {
        let words = Brain.words(query)
        guard !words.isEmpty else { return try list(kind: kind, tags: tags, limit: limit) }
        guard let match = Brain.index.search(db.dialect, terms: Array(words.prefix(16)), match: .any) else {
            return try list(kind: kind, tags: tags, limit: limit)
        }
        let rows = try db.read { conn in
            try conn.query("""
                SELECT e.*, \(match.relevance) AS relevance FROM \(match.from) JOIN brain_entries e ON e.id = s.entry_id
                WHERE \(match.condition) AND (?2 IS NULL OR e.kind = ?2) ORDER BY relevance DESC LIMIT 200
                """, [match.argument, kind])
        }
        let wanted = Brain.normalize(tags)
        let found = try rows.map { r in
            var e = try Brain.entry(r)
            let relevance = max(0, try r.double("relevance"))
            e.score = relevance / (1 + relevance) * (0.5 + e.confidence)
            return e
        }.filter { e in wanted.allSatisfy { e.tags.contains($0) } }
        return Array(found.sorted { ($0.score ?? 0) > ($1.score ?? 0) }.prefix(max(1, min(limit, 100))))
    }

    public func list(kind: String? = nil, tags: [String] = [], limit: Int = 50, offset: Int = 0) throws -> [BrainEntry] {
        let wanted = Brain.normalize(tags)
        let rows = try db.read { try $0.query("SELECT * FROM brain_entries WHERE (?1 IS NULL OR kind = ?1) ORDER BY updated DESC, id LIMIT ? OFFSET ?",
                                              [kind, wanted.isEmpty ? max(1, min(limit, 500)) : 5000, wanted.isEmpty ? max(0, offset) : 0]) }
        let entries = try rows.map(Brain.entry).filter { e in wanted.allSatisfy { e.tags.contains($0) } }
        return wanted.isEmpty ? entries : Array(entries.dropFirst(max(0, offset)).prefix(max(1, min(limit, 500))))
    }

    public func get(_ id: String) throws -> BrainEntry? {
        try db.read { try $0.queryOne("SELECT * FROM brain_entries WHERE id = ?", [id]).map(Brain.entry) }
    }

    /// An entry was used again (an agent acted on it): it gains confidence.
    public func reinforce(_ ids: [String]) throws {
        let now = Clock.iso8601Now()
        try db.write { conn in
            for id in ids {
                try conn.execute("UPDATE brain_entries SET confidence = \(conn.dialect.least)(1.0, confidence + 0.05), uses = uses + 1, last_used = ? WHERE id = ?", [now, id])
            }
        }
    }

    /// The user's edits. Nil leaves a field as it is.
    public func update(_ id: String, text: String?, kind: String?, tags: [String]?, confidence: Double?) throws -> BrainEntry? {
        guard let current = try get(id) else { return nil }
        let newText = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? current.text
        let newKind = kind ?? current.kind
        let newTags = tags.map(Brain.normalize) ?? current.tags
        try Brain.validate(kind: newKind, text: newText, tags: newTags)
        if let confidence, !(0...1).contains(confidence) { throw Invalid(description: "confidence must be between 0 and 1") }
        do {
            try db.write { conn in
                try conn.execute("UPDATE brain_entries SET text = ?, kind = ?, tags = ?, confidence = ?, fingerprint = ?, updated = ? WHERE id = ?",
                                 [newText, newKind, Brain.tagsText(newTags), confidence ?? current.confidence,
                                  Brain.fingerprint(newKind, newText), Clock.iso8601Now(), id])
                try Brain.index.replace(conn, id: id, [newText, newTags.joined(separator: " ")])
            }
        } catch StoreError.constraint {
            throw Invalid(description: "another \(newKind) entry already says this; delete one of them")
        }
        return try get(id)
    }

    public func delete(_ id: String) throws -> Bool {
        try db.write { conn in
            try Brain.index.remove(conn, id: id)
            return try conn.execute("DELETE FROM brain_entries WHERE id = ?", [id]) > 0
        }
    }

    // MARK: helpers

    /// The entry that already says `text`: same words exactly, or nearly the same words.
    private func duplicate(of text: String, kind: String) throws -> BrainEntry? {
        if let exact = try db.read({ try $0.queryOne("SELECT * FROM brain_entries WHERE fingerprint = ?", [Brain.fingerprint(kind, text)]) }) {
            return try Brain.entry(exact)
        }
        let words = Set(Brain.words(text))
        guard !words.isEmpty else { return nil }
        for candidate in try search(text, kind: kind, limit: 5) {
            let other = Set(Brain.words(candidate.text))
            let similarity = Double(words.intersection(other).count) / Double(words.union(other).count)
            if similarity >= Brain.mergeSimilarity { return candidate }
        }
        return nil
    }

    static func validate(kind: String, text: String, tags: [String]) throws {
        guard kinds.contains(kind) else { throw Invalid(description: "kind must be one of \(kinds.sorted().joined(separator: ", "))") }
        guard !text.isEmpty else { throw Invalid(description: "text must not be empty") }
        guard text.utf8.count <= maxTextBytes else { throw Invalid(description: "text may hold at most \(maxTextBytes) bytes") }
        guard tags.count <= 20, tags.allSatisfy({ $0.count <= 40 }) else { throw Invalid(description: "at most 20 tags of at most 40 characters") }
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
    }

    static func normalize(_ tags: [String]) -> [String] {
        Array(Set(tags.map { $0.lowercased().trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })).sorted()
    }

    static func fingerprint(_ kind: String, _ text: String) -> String {
        Hex.encode(Digest.sha256(Array((kind + "\n" + words(text).joined(separator: " ")).utf8)))
    }

    static func tagsText(_ tags: [String]) -> String { JSONValue.array(tags.map { .string($0) }).text }

    /// Decodes a `brain_entries` row; a missing column or a value of the wrong kind is an error, not a default.
    static func entry(_ r: Row) throws -> BrainEntry {
        let tags = try r.text("tags")
        guard let items = JSONValue.parse(tags)?.array else { throw StoreError.column(name: "tags", message: "holds '\(tags.prefix(80))', not a JSON list") }
        return BrainEntry(id: try r.text("id"), kind: try r.text("kind"), text: try r.text("text"), tags: items.compactMap(\.string),
                          source: try r.optionalText("source"), confidence: try r.double("confidence"), uses: try r.int("uses"),
                          created: try r.text("created"), updated: try r.text("updated"), lastUsed: try r.optionalText("last_used"), score: nil)
    }
}
