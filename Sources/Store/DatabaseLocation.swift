import Foundation

/// Where the store lives: a SQLite file (the default, under the data directory) or a PostgreSQL server that several
/// replicas share.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresAddress)

    public var dialect: SQLDialect {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// For logs and messages: the password is never shown.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let a): a.redacted
        }
    }
}

/// A PostgreSQL connection URI, with the one parameter of ours taken out: `schema=NAME` puts every table in that
/// schema (created if missing), so one database can hold several installations.
public struct PostgresAddress: Sendable, Equatable {
    /// What libpq is given.
    public let conninfo: String
    public let schema: String?

    public init(_ url: String) throws(StoreError) {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"),
              var parts = URLComponents(string: url) else {
            throw StoreError.open(path: url, message: "a database URL starts with postgres:// (for example postgres://openpieces:PASSWORD@db.internal:5432/openpieces); leave --database out to use SQLite under --home")
        }
        var schema: String?
        if let items = parts.queryItems {
            schema = items.first(where: { $0.name == "schema" })?.value
            let rest = items.filter { $0.name != "schema" }
            parts.queryItems = rest.isEmpty ? nil : rest
        }
        if let s = schema {
            guard !s.isEmpty, s.count <= 63, s.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) }) else {
                throw StoreError.open(path: url, message: "schema=\(s) must be 1 to 63 lower-case letters, digits or underscores")
            }
        }
        guard let text = parts.string else { throw StoreError.open(path: url, message: "not a valid URL") }
        conninfo = text
        self.schema = schema
    }

    /// The URI with its password replaced by `***`.
    public var redacted: String {
        guard var parts = URLComponents(string: conninfo) else { return "postgres://…" }
        if parts.password != nil { parts.password = "***" }
        var s = parts.string ?? "postgres://…"
        if let schema { s += (s.contains("?") ? "&" : "?") + "schema=\(schema)" }
        return s
    }
}
