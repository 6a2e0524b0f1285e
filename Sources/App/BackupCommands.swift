import Core
import Foundation
import Secrets
import Store

/// `openpieces backup`, `restore` and `migrate`: the store and the service files, copied whole.
enum BackupCommands {
    static let backupHelp = """
        usage: openpieces backup FILE [--include-master-key] [--home DIR] [--database URL]

        Writes a consistent backup while the server runs: the store as of one moment (SQLite's online backup, or
        one read transaction on PostgreSQL), every service's files and versions, and the workflows, runs, secrets
        (sealed) and memory in the store. The master key is left out unless --include-master-key: keep it apart
        from the backup, or the backup alone unlocks the secrets.
        """
    static let restoreHelp = """
        usage: openpieces restore FILE --home NEW_DIR [--database URL]

        Loads a backup into an empty data directory (and, with --database, an empty PostgreSQL database or schema).
        Then start it: openpieces serve --home NEW_DIR. Without the master key in the backup, put the original
        master.key in NEW_DIR or set OPENPIECES_MASTER_KEY first.
        """
    static let migrateHelp = """
        usage: openpieces migrate --to postgres://USER:PASSWORD@HOST:5432/DB[?schema=NAME] [--home DIR]

        Copies the SQLite store in --home into an empty PostgreSQL database (or schema), to run one or more
        replicas on it. Stop the server first. Then start with --database and the same master key everywhere:
        OPENPIECES_MASTER_KEY=$(base64 -w0 DIR/master.key).
        """

    // MARK: backup

    static func backup(_ arguments: [String], _ environment: [String: String]) -> Int32 {
        var rest = arguments
        let includeKey = take("--include-master-key", from: &rest)
        guard let file = positional(&rest) else {
            CLI.fail("backup needs a file to write: openpieces backup FILE.tar.gz")
            return 2
        }
        guard let options = resolve(rest, environment, "backup") else { return 2 }
        guard !FileManager.default.fileExists(atPath: file) else {
            CLI.fail("\(file) exists: choose another name (a backup never overwrites a file)")
            return 1
        }
        if case .sqlite(let path) = options.database, !FileManager.default.fileExists(atPath: path) {
            CLI.fail("no database in \(options.home): pass the --home of the server to back up")
            return 1
        }
        var staging: String?
        defer { staging.map { try? FileManager.default.removeItem(atPath: $0) } }
        do {
            let dir = try BackupArchive.stagingDirectory(near: file)
            staging = dir
            let snapshot = (dir as NSString).appendingPathComponent(BackupArchive.databaseFile)
            let store = try Database(location: options.database, migrations: Schema.all, readers: 1)
            var rows = 0
            switch options.database {
            case .sqlite:
                try store.snapshot(to: snapshot)
            case .postgres:
                let copy = try Database(path: snapshot, migrations: Schema.all, readers: 1)
                rows = try StoreCopy.copy(from: store, to: copy, textIndexes: Schema.textIndexes, skipping: Schema.runtimeTables).reduce(0) { $0 + $1.rows }
            }
            let services = (try? FileManager.default.contentsOfDirectory(atPath: options.servicesPath))?.filter { !$0.hasPrefix(".") }.sorted() ?? []
            if includeKey {
                let key = try MasterKey.load(home: options.home, environment: environment)
                let path = (dir as NSString).appendingPathComponent("master.key")
                guard FileManager.default.createFile(atPath: path, contents: Data(key), attributes: [.posixPermissions: 0o600]) else {
                    throw BackupArchive.Failure(description: "cannot write the master key to \(dir)")
                }
            }
            let manifest = BackupManifest(product: ProductVersion.current, schema: try store.schemaVersion(), created: Clock.iso8601Now(),
                                          source: options.database.dialect, masterKey: includeKey, services: services)
            try BackupArchive.write(manifest, in: dir)
            try BackupArchive.pack(file, staging: dir, home: options.home)
            let size = ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) / 1024
            print("backup written: \(file) (\(size) KiB, schema \(manifest.schema), \(services.count) service\(services.count == 1 ? "" : "s")\(rows > 0 ? ", \(rows) rows" : ""))")
            if !includeKey {
                FileHandle.standardError.write(Data("the master key is not in it: keep \((options.home as NSString).appendingPathComponent("master.key")) (or OPENPIECES_MASTER_KEY) safe, apart from the backup; without it the secrets cannot be read.\n".utf8))
            }
            return 0
        } catch {
            CLI.fail("backup failed: \(error). Nothing was written to \(file).")
            return 1
        }
    }

    // MARK: restore

    static func restore(_ arguments: [String], _ environment: [String: String]) -> Int32 {
        var rest = arguments
        guard let file = positional(&rest) else {
            CLI.fail("restore needs the backup to read: openpieces restore FILE --home NEW_DIR")
            return 2
        }
        guard rest.contains(where: { $0 == "--home" || $0.hasPrefix("--home=") }) || environment["OPENPIECES_HOME"] != nil else {
            CLI.fail("restore needs --home NEW_DIR: it never writes over the default data directory by accident")
            return 2
        }
        guard let options = resolve(rest, environment, "restore") else { return 2 }
        let fm = FileManager.default
        guard fm.fileExists(atPath: file) else {
            CLI.fail("no file \(file)")
            return 1
        }
        if let existing = try? fm.contentsOfDirectory(atPath: options.home), !existing.isEmpty {
            CLI.fail("\(options.home) is not empty: restore into a new data directory")
            return 1
        }
        var staging: String?
        defer { staging.map { try? fm.removeItem(atPath: $0) } }
        do {
            let dir = try BackupArchive.stagingDirectory(near: (options.home as NSString).standardizingPath)
            staging = dir
            let manifest = try BackupArchive.unpack(file, into: dir)
            let snapshotPath = (dir as NSString).appendingPathComponent(BackupArchive.databaseFile)
            try fm.createDirectory(atPath: options.home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            switch options.database {
            case .sqlite(let path):
                try fm.moveItem(atPath: snapshotPath, toPath: path)
                chmod(path, 0o600)
                // Brought up to this openpieces' schema now, not at the first start.
                _ = try Database(path: path, migrations: Schema.all, readers: 1)
            case .postgres:
                let snapshot = try Database(path: snapshotPath, migrations: Schema.all, readers: 1)
                let target = try Database(location: options.database, migrations: Schema.all, readers: 1)
                try StoreCopy.copy(from: snapshot, to: target, textIndexes: Schema.textIndexes, skipping: Schema.runtimeTables)
            }
            for item in ["services", "service-versions", "master.key"] {
                let from = (dir as NSString).appendingPathComponent(item)
                if fm.fileExists(atPath: from) { try fm.moveItem(atPath: from, toPath: (options.home as NSString).appendingPathComponent(item)) }
            }
            print("restored \(file) into \(options.home) (\(manifest.services.count) service\(manifest.services.count == 1 ? "" : "s"), schema \(manifest.schema), taken \(manifest.created)). Start it: openpieces serve --home \(options.home)")
            if !manifest.masterKey && environment["OPENPIECES_MASTER_KEY"] == nil {
                FileHandle.standardError.write(Data("the backup has no master key: put the original master.key in \(options.home) (or set OPENPIECES_MASTER_KEY) before starting, or the server refuses to start.\n".utf8))
            }
            return 0
        } catch {
            CLI.fail("restore failed: \(error). Remove \(options.home) before trying again.")
            return 1
        }
    }

    // MARK: migrate

    static func migrate(_ arguments: [String], _ environment: [String: String]) -> Int32 {
        var rest = arguments
        guard let to = value("--to", from: &rest) else {
            CLI.fail("migrate needs --to postgres://USER:PASSWORD@HOST:5432/DB")
            return 2
        }
        var environment = environment
        environment["OPENPIECES_DATABASE_URL"] = nil  // the source is the SQLite store in --home
        guard let options = resolve(rest, environment, "migrate") else { return 2 }
        guard options.databaseURL == nil, case .sqlite(let path) = options.database else {
            CLI.fail("migrate reads the SQLite store in --home; give the PostgreSQL URL as --to")
            return 2
        }
        guard FileManager.default.fileExists(atPath: path) else {
            CLI.fail("no database in \(options.home): pass the --home of the server to move")
            return 1
        }
        guard !DataDirectoryLock.isHeld(home: options.home) else {
            CLI.fail("a server is using \(options.home): stop it first, or writes after the copy would be left behind")
            return 1
        }
        do {
            let address = try PostgresAddress(to)
            let source = try Database(path: path, migrations: Schema.all, readers: 1)
            let target = try Database(location: .postgres(address), migrations: Schema.all, readers: 1)
            var last = ""
            let report = try StoreCopy.copy(from: source, to: target, textIndexes: Schema.textIndexes, skipping: Schema.runtimeTables) { table, n in
                if table != last { last = table; FileHandle.standardError.write(Data("migrate: \(table)…\n".utf8)) }
                _ = n
            }
            let rows = report.reduce(0) { $0 + $1.rows }
            print("moved \(rows) rows in \(report.count) tables to \(address.redacted).")
            print("next: start every replica with --database '\(address.redacted)' and the same OPENPIECES_MASTER_KEY (base64 -w0 \((options.home as NSString).appendingPathComponent("master.key"))).")
            return 0
        } catch {
            CLI.fail("migrate failed: \(error). The SQLite store is unchanged.")
            return 1
        }
    }

    // MARK: arguments

    private static func resolve(_ arguments: [String], _ environment: [String: String], _ command: String) -> ServeOptions? {
        do { return try OptionSpec.resolve(arguments: arguments, environment: environment) } catch {
            CLI.fail("\(error.message). See 'openpieces \(command) --help'.")
            return nil
        }
    }

    private static func take(_ flag: String, from arguments: inout [String]) -> Bool {
        guard let i = arguments.firstIndex(of: flag) else { return false }
        arguments.remove(at: i)
        return true
    }

    private static func value(_ flag: String, from arguments: inout [String]) -> String? {
        if let i = arguments.firstIndex(where: { $0.hasPrefix(flag + "=") }) {
            return String(arguments.remove(at: i).dropFirst(flag.count + 1))
        }
        guard let i = arguments.firstIndex(of: flag), i + 1 < arguments.count else { return nil }
        let v = arguments[i + 1]
        arguments.removeSubrange(i...(i + 1))
        return v
    }

    /// The first argument that is neither an option nor an option's value.
    private static func positional(_ arguments: inout [String]) -> String? {
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a.hasPrefix("--") {
                i += a.contains("=") ? 1 : 2
                continue
            }
            arguments.remove(at: i)
            return a
        }
        return nil
    }
}
