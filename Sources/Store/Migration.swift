/// A versioned schema change, applied once, in order, inside a transaction.
/// Versions are global across modules; `MigrationRegistry` refuses two with the same version or name.
/// Written once for both backends: plain SQL where the two agree, or built from the `SQLDialect`'s pieces.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    /// The script for a backend.
    public let sql: @Sendable (SQLDialect) -> String
    /// Where it is declared (`Module/File.swift`, from `#fileID`), so a clash names both sides.
    public let origin: String

    /// SQL that SQLite and PostgreSQL both run as written.
    public init(_ version: Int, _ name: String, _ sql: String, origin: String = #fileID) {
        self.init(version, name, origin: origin) { _ in sql }
    }

    /// SQL that differs by backend (types, defaults, search indexes).
    public init(_ version: Int, _ name: String, origin: String = #fileID, _ sql: @escaping @Sendable (SQLDialect) -> String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.origin = origin
    }

    /// The module that declares it.
    public var module: String { String(origin.prefix { $0 != "/" }) }
}

/// Every migration of a database, checked once before any is applied: a version or a name claimed twice is a
/// programming error that would otherwise skip one of the two on every database already past that version.
public struct MigrationRegistry: Sendable {
    /// In version order.
    public let migrations: [Migration]

    public init(_ migrations: [Migration]) throws(StoreError) {
        var byVersion: [Int: Migration] = [:]
        var byName: [String: Migration] = [:]
        let next = (migrations.map(\.version).max() ?? 0) + 1
        for m in migrations {
            guard m.version > 0 else {
                throw StoreError.invalidMigration(version: m.version, name: m.name, origin: m.origin)
            }
            if let other = byVersion[m.version] {
                throw StoreError.duplicateMigration(what: "version \(m.version)", first: other.label, second: m.label, nextFree: next)
            }
            if let other = byName[m.name] {
                throw StoreError.duplicateMigration(what: "name '\(m.name)'", first: other.label, second: m.label, nextFree: next)
            }
            byVersion[m.version] = m
            byName[m.name] = m
        }
        self.migrations = migrations.sorted { $0.version < $1.version }
    }
}

extension Migration {
    /// `5 'services' (module Services, Services/ServiceStore.swift)`.
    var label: String { "\(version) '\(name)' (module \(module), \(origin))" }
}
