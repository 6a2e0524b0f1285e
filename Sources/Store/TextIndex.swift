import Foundation

/// A full-text index of documents keyed by an id, one weight per text column: FTS5 on SQLite, a weighted `tsvector`
/// with a GIN index on PostgreSQL. The contract is the same on both: words match as prefixes, case and diacritics
/// ignored, no stemming; a search takes all or any of the terms; relevance is ≥ 0 and bigger is better, with a
/// column's matches counting by its weight.
public struct TextIndex: Sendable {
    public let table: String
    public let key: String
    public let columns: [String]
    public let weights: [Double]

    public init(table: String, key: String, columns: [(name: String, weight: Double)]) {
        precondition((1...4).contains(columns.count), "a text index has one to four columns (PostgreSQL's weight labels)")
        self.table = table
        self.key = key
        self.columns = columns.map(\.name)
        self.weights = columns.map(\.weight)
    }

    /// The statement that creates it, for a migration.
    public func create(_ d: SQLDialect) -> String {
        switch d {
        case .sqlite:
            "CREATE VIRTUAL TABLE \(table) USING fts5(\(key) UNINDEXED, \(columns.joined(separator: ", ")), tokenize = 'unicode61 remove_diacritics 2');"
        case .postgres:
            """
            CREATE TABLE \(table) (\(key) TEXT PRIMARY KEY, \(columns.map { "\($0) TEXT NOT NULL" }.joined(separator: ", ")), doc TSVECTOR NOT NULL);
            CREATE INDEX \(table)_doc ON \(table) USING GIN (doc);
            """
        }
    }

    /// Indexes a document again, replacing what was indexed under its id. (On SQLite the removal scans the index: for
    /// edits, not for bulk inserts.)
    public func replace(_ conn: any SQLConnection, id: String, _ values: [String]) throws {
        try remove(conn, id: id)
        try insert(conn, id: id, values)
    }

    /// Indexes a new document.
    public func insert(_ conn: any SQLConnection, id: String, _ values: [String]) throws {
        precondition(values.count == columns.count)
        let names = ([key] + columns).joined(separator: ", ")
        switch conn.dialect {
        case .sqlite:
            try conn.execute("INSERT INTO \(table)(\(names)) VALUES (\(Array(repeating: "?", count: values.count + 1).joined(separator: ", ")))",
                             [id] + values)
        case .postgres:
            // The vector is built from folded text (case, diacritics), as SQLite's tokenizer folds it.
            let doc = columns.indices.map { "setweight(to_tsvector('simple', ?), '\(Self.labels[$0])')" }.joined(separator: " || ")
            try conn.execute("INSERT INTO \(table)(\(names), doc) VALUES (\(Array(repeating: "?", count: values.count + 1).joined(separator: ", ")), \(doc))",
                             [id] + values + values.map(Self.fold))
        }
    }

    public func remove(_ conn: any SQLConnection, id: String) throws {
        try conn.execute("DELETE FROM \(table) WHERE \(key) = ?", [id])
    }

    public enum Match: Sendable { case all, any }

    /// A ranked search, as parts of a statement: `SELECT …, <relevance> AS relevance FROM <from> [JOIN …] WHERE
    /// <condition> …`. The index is aliased `s` (its key and columns are `s.<name>`), and `argument` is bound as the
    /// first parameter after any in the select list. Terms are words; anything else in them is dropped.
    public struct Search: Sendable {
        public let from: String
        public let condition: String
        public let relevance: String
        public let argument: SQLValue
    }

    /// Nil when no term has a letter or digit left.
    public func search(_ d: SQLDialect, terms: [String], match: Match) -> Search? {
        let words = terms.map { Self.fold($0).filter { $0 != " " } }
            .filter { !$0.isEmpty }.prefix(32)
        guard !words.isEmpty else { return nil }
        switch d {
        case .sqlite:
            let expr = words.map { "\"\($0)\"*" }.joined(separator: match == .all ? " AND " : " OR ")
            let w = (["0.0"] + weights.map { "\($0)" }).joined(separator: ", ")
            return Search(from: "\(table)(?) AS s", condition: "1 = 1", relevance: "-bm25(\(table), \(w))", argument: .text(expr))
        case .postgres:
            let expr = words.map { "'\($0)':*" }.joined(separator: match == .all ? " & " : " | ")
            // ts_rank_cd's weights are listed D, C, B, A; column i has label A, B, C, D.
            let top = weights.max() ?? 1
            var byLabel = [0.0, 0.0, 0.0, 0.0]
            for (i, w) in weights.enumerated() { byLabel[3 - i] = w / top }
            let array = "'{\(byLabel.map { "\($0)" }.joined(separator: ","))}'::float4[]"
            // Documents are matched by the query as asked, but ranked by its any-term form: a document's relevance is
            // then the same whether all terms or any were asked for (as BM25 is), not lowered by how far apart they are.
            let query = "SELECT to_tsquery('simple', t.x) AS q, to_tsquery('simple', replace(t.x, '&', '|')) AS r FROM (SELECT CAST(? AS TEXT) AS x) AS t"
            return Search(from: "\(table) AS s CROSS JOIN (\(query)) AS m", condition: "s.doc @@ m.q",
                          relevance: "ts_rank(\(array), s.doc, m.r) * 10", argument: .text(expr))
        }
    }

    private static let labels = ["A", "B", "C", "D"]

    /// Case and diacritics folded, and every character that is not a letter or digit a space: words split where
    /// SQLite's unicode61 splits them (PostgreSQL's parser would keep `os.getcwd` or `a@b.c` whole).
    static func fold(_ s: String) -> String {
        let folded = s.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        return String(String.UnicodeScalarView(folded.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? $0 : " " }))
    }
}
