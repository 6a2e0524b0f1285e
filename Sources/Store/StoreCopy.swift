import Core

/// Copies every row of one store into another with the same schema (the same migrations applied, the target
/// empty): a backup of PostgreSQL into a SQLite snapshot, a snapshot restored into PostgreSQL, a move from SQLite to
/// PostgreSQL. The source is read in one read transaction, so the copy is one moment of it. Text indexes are built
/// again in the target (FTS5 and tsvector hold the same words differently).
public enum StoreCopy {
    public struct Refused: Error, CustomStringConvertible {
        public let description: String
    }

    /// Rows copied per table, in the order copied. Tables in `skipping` hold what a running installation decided
    /// for itself (which replica runs which service): a copy starts without them.
    @discardableResult
    public static func copy(from source: Database, to target: Database, textIndexes: [TextIndex], skipping: Set<String> = [],
                            progress: (String, Int) -> Void = { _, _ in }) throws -> [(table: String, rows: Int)] {
        let (sourceVersion, targetVersion) = (try source.schemaVersion(), try target.schemaVersion())
        guard sourceVersion == targetVersion else {
            throw Refused(description: "the source is at schema version \(sourceVersion) and the target at \(targetVersion): open both with the same openpieces")
        }
        let indexTables = Set(textIndexes.map(\.table))
        let targetTables = try target.read { try tables($0) }
        for table in targetTables where table != "schema_migrations" && !isIndexPart(table, indexTables) {
            let n = try target.read { try $0.queryOne("SELECT COUNT(*) AS n FROM \(quoted(table))")?.int("n") ?? 0 }
            guard n == 0 else { throw Refused(description: "the target is not empty (\(table) has \(n) rows): restore into a new data directory or an empty database") }
        }
        var report: [(String, Int)] = []
        try source.read { conn in
            let copied = Set(targetTables)
            for table in try tables(conn) where table != "schema_migrations" && copied.contains(table) && !isIndexPart(table, indexTables)
                && !skipping.contains(table) {
                // One query per table (paging by OFFSET is not stable on PostgreSQL, whose scans may start anywhere).
                let rows = try conn.query("SELECT * FROM \(quoted(table))")
                guard let columns = rows.first?.columns else {
                    report.append((table, 0))
                    continue
                }
                let insert = "INSERT INTO \(quoted(table))(\(columns.map(quoted).joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
                for page in stride(from: 0, to: rows.count, by: 500) {
                    try target.write { out in
                        for row in rows[page..<min(page + 500, rows.count)] { try out.execute(insert, row.values) }
                    }
                    progress(table, min(page + 500, rows.count))
                }
                report.append((table, rows.count))
            }
            for index in textIndexes {
                var count = 0
                let rows = try conn.query("SELECT \(([index.key] + index.columns).joined(separator: ", ")) FROM \(index.table)")
                for page in stride(from: 0, to: rows.count, by: 500) {
                    try target.write { out in
                        for r in rows[page..<min(page + 500, rows.count)] {
                            try index.insert(out, id: try r.text(index.key), try index.columns.map { try r.text($0) })
                        }
                    }
                    count = min(page + 500, rows.count)
                    progress(index.table, count)
                }
                report.append((index.table, rows.count))
            }
        }
        try target.write { out in try restartIdentities(out) }
        return report
    }

    /// Ordinary tables in the order they were created, so a table comes after those it references.
    static func tables(_ conn: any SQLConnection) throws -> [String] {
        switch conn.dialect {
        case .sqlite:
            try conn.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid").map { try $0.text("name") }
        case .postgres:
            try conn.query("""
                SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.oid
                """).map { try $0.text("name") }
        }
    }

    /// An index table or one of FTS5's shadow tables (`brain_search_data`, …).
    static func isIndexPart(_ table: String, _ indexes: Set<String>) -> Bool {
        indexes.contains(table) || indexes.contains { table.hasPrefix($0 + "_") }
    }

    /// Identity columns continue after the copied ids (SQLite's AUTOINCREMENT follows explicit ids by itself).
    static func restartIdentities(_ conn: any SQLConnection) throws {
        guard conn.dialect == .postgres else { return }
        let columns = try conn.query("""
            SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'
            """)
        for c in columns {
            let table = try c.text("table_name"), column = try c.text("column_name")
            _ = try conn.query("""
                SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX(\(quoted(column))) FROM \(quoted(table))), 0) + 1, false)
                """, [quoted(table), column])
        }
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
