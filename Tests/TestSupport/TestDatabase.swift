import Crypto
import Foundation
import Store

/// The backend the suite runs on. Unset, SQLite files in each test's temporary directory. With
/// `OPENPIECES_TEST_DATABASE=postgres://…` (scripts/test runs the suite a second time that way), every test's data
/// lives in a schema of its own on that server, named after its data directory, so the same tests prove both backends.
public enum TestDatabase {
    public static let server: String? = ProcessInfo.processInfo.environment["OPENPIECES_TEST_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
    public static var isPostgres: Bool { server != nil }

    /// What a backend-parametrized test runs on: SQLite, and PostgreSQL too when the suite has a server.
    public static var backends: [SQLDialect] { isPostgres ? [.sqlite, .postgres] : [.sqlite] }

    /// The store at `path` on `backend`: the SQLite file, or the schema named after it on the test server.
    public static func location(_ backend: SQLDialect, _ path: String) -> DatabaseLocation {
        backend == .sqlite ? .sqlite(path: path) : location(path)
    }

    /// The database at `path` (a database file): the SQLite file, or the schema named after it (after its data directory
    /// for a server's `openpieces.sqlite`), so a restarted server, a CLI command and a test reading rows all meet there.
    public static func location(_ path: String) -> DatabaseLocation {
        guard let url = url(path) else { return .sqlite(path: path) }
        return .postgres(try! PostgresAddress(url))
    }

    /// The `--database` URL for the data at `path`; nil on SQLite.
    public static func url(_ path: String) -> String? {
        guard let server else { return nil }
        // A server's database file stands for its data directory, which is what a spawned server is given.
        let dir = path.hasSuffix("/openpieces.sqlite") ? (path as NSString).deletingLastPathComponent : path
        let key = (URL(fileURLWithPath: dir).standardizedFileURL.path as NSString).resolvingSymlinksInPath
        let schema = "t_" + Hex.encode(Array(Digest.sha256(Array(key.utf8)).prefix(12)))
        return server + (server.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    public static func open(_ path: String, migrations: [Migration], readers: Int = 4) throws -> Database {
        try Database(location: location(path), migrations: migrations, readers: readers)
    }

    /// The same, off Swift's cooperative pool: opening a PostgreSQL store (connecting, migrating a fresh schema)
    /// takes tenths of a second, and many tests doing that on the pool's few threads would starve every other test.
    public static func open(_ path: String, migrations: [Migration], readers: Int = 4) async throws -> Database {
        try await offPool { try Database(location: location(path), migrations: migrations, readers: readers) }
    }

    /// What a spawned `openpieces` needs to find its data on the test server: `OPENPIECES_DATABASE_URL` for the
    /// `--home` (or `OPENPIECES_HOME`) it is given. Empty on SQLite or without a home.
    public static func environment(arguments: [String], environment: [String: String]) -> [String: String] {
        guard isPostgres, !arguments.contains(where: { $0 == "--database" || $0.hasPrefix("--database=") }),
              environment["OPENPIECES_DATABASE_URL"] == nil else { return [:] }
        var home = environment["OPENPIECES_HOME"]
        if let i = arguments.firstIndex(of: "--home"), i + 1 < arguments.count { home = arguments[i + 1] }
        if let a = arguments.first(where: { $0.hasPrefix("--home=") }) { home = String(a.dropFirst(7)) }
        guard let home, let url = url(home) else { return [:] }
        return ["OPENPIECES_DATABASE_URL": url]
    }
}

extension TestDatabase {
    /// `ServeOptions.databaseURL` for an in-process server with data directory `home`; nil on SQLite.
    public static func address(home: String) -> PostgresAddress? {
        url(home).map { try! PostgresAddress($0) }
    }
}
