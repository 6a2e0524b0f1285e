import Core
import Foundation
import Processes
import Store

/// A backup: a gzip'd tar holding
///   manifest.json       what it is (`BackupManifest`)
///   database.sqlite     the store as of one moment, a SQLite file whichever backend it came from
///   services/           every service's files, its data/ included
///   service-versions/   every service's numbered versions
///   master.key          only when asked for (`--include-master-key`): without it the secrets cannot be read
struct BackupManifest: Codable, Equatable {
    static let currentFormat = 1
    var format = BackupManifest.currentFormat
    var product: String
    var schema: Int
    var created: String
    /// The backend it was taken from.
    var source: SQLDialect
    var masterKey: Bool
    var services: [String]
}

extension SQLDialect: Codable {}

enum BackupArchive {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let databaseFile = "database.sqlite"

    /// Packs `staging` (manifest, database, master key) and the data directory's service folders into `file`,
    /// through a temporary name, so a half-written archive never has the final one.
    static func pack(_ file: String, staging: String, home: String) throws {
        let fm = FileManager.default
        var arguments = ["-czf", file + ".partial", "-C", staging] + (try fm.contentsOfDirectory(atPath: staging)).sorted()
        let folders = ["services", "service-versions"].filter { fm.fileExists(atPath: (home as NSString).appendingPathComponent($0)) }
        if !folders.isEmpty { arguments += ["-C", home] + folders }
        try tar(arguments)
        // Sealed secrets, and perhaps the master key: for this user only.
        chmod(file + ".partial", 0o600)
        guard rename(file + ".partial", file) == 0 else {
            throw Failure(description: "cannot move the archive to \(file): \(String(cString: strerror(errno)))")
        }
    }

    /// Unpacks `file` into the empty directory `into` and reads its manifest.
    static func unpack(_ file: String, into: String) throws -> BackupManifest {
        // GNU tar skips members with `..` and strips a leading `/`: nothing lands outside `into`.
        try tar(["-xzf", file, "-C", into, "--no-same-owner"])
        let path = (into as NSString).appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: path),
              let manifest = try? JSONDecoder().decode(BackupManifest.self, from: data) else {
            throw Failure(description: "\(file) is not an openpieces backup (no readable manifest.json)")
        }
        guard manifest.format == BackupManifest.currentFormat else {
            throw Failure(description: "\(file) is a backup in format \(manifest.format); this openpieces reads format \(BackupManifest.currentFormat)")
        }
        guard FileManager.default.fileExists(atPath: (into as NSString).appendingPathComponent(databaseFile)) else {
            throw Failure(description: "\(file) has no \(databaseFile)")
        }
        return manifest
    }

    static func write(_ manifest: BackupManifest, in staging: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: (staging as NSString).appendingPathComponent("manifest.json")))
    }

    private static func tar(_ arguments: [String]) throws {
        let p = ChildProcess()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["tar"] + arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch { throw Failure(description: "cannot run tar: \(error). Install tar (apt-get install tar).") }
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "tar failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// A new private directory beside `path` (same file system, so the final moves are renames).
    static func stagingDirectory(near path: String) throws -> String {
        let parent = (path as NSString).deletingLastPathComponent
        var template = Array(((parent.isEmpty ? "." : parent) as NSString).appendingPathComponent(".openpieces-staging-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw Failure(description: "cannot make a staging directory in \(parent): \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }
}
