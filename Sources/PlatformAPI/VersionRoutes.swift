import Core
import Foundation
import HTTPServer
import Services

/// A service's code: its versions (with what produced each), a version's files, and the diff between two versions
/// or a version and the code-generation agent's workspace. Read-only: any caller with the read scope (a dashboard
/// session, the admin token, or an API key with `read`), like every GET under /api/v1.
public enum VersionRoutes {
    /// Past this many bytes of files a response is refused (413) rather than cut: the dashboard shows it all or says why.
    public static let maxBytes = 2 * 1024 * 1024

    public static func install(_ r: inout Router, manager: ServiceManager, workspacesRoot: String) {
        r.get("/api/v1/services/:id/versions", ServiceDocs.versions) { req in
            let (s, records) = try await manager.store.reading { () throws -> (ServiceRecord, [VersionRecord]) in
                let s = try service(manager, req)
                return (s, try manager.store.versionRecords(s.id))
            }
            let versions = records.map { v -> JSONValue in
                ["version": JSONValue(v.version), "created": .string(v.created), "current": .bool(v.version == s.currentVersion), "source": v.source.json]
            }
            return .jsonValue(["service": .string(s.slug), "current": JSONValue(s.currentVersion), "versions": .array(versions)])
        }
        r.get("/api/v1/services/:id/versions/:version/files", ServiceDocs.versionFiles) { req in
            let (s, known) = try await serviceAndVersions(manager, req)
            let n = try version(s, known, req.require("version"))
            // The files are read from disk and decoded off the cooperative pool.
            let list = try await blocking { () throws -> [JSONValue] in
                let files = try capped(try read { try manager.files.files(of: s.slug, id: s.id, version: n) }, "Version \(n) of '\(s.slug)'", s.slug)
                return files.keys.sorted().map { path -> JSONValue in
                    let bytes = files[path]!
                    let text = FileSetDiff.text(bytes)
                    return ["path": .string(path), "size": JSONValue(bytes.count), "binary": .bool(text == nil), "text": text.map(JSONValue.string) ?? .null]
                }
            }
            return .jsonValue(["service": .string(s.slug), "version": JSONValue(n), "files": .array(list)])
        }
        r.get("/api/v1/services/:id/diff", ServiceDocs.diff) { req in
            let (s, known) = try await serviceAndVersions(manager, req)
            guard let from = req.query["from"], let to = req.query["to"] else {
                throw HTTPError(400, code: "missing_query", message: "Give ?from=N&to=M (version numbers), or to=workspace for the code-generation agent's working copy.")
            }
            // Both sides are read from disk and compared off the cooperative pool.
            return .jsonValue(try await blocking { () throws -> JSONValue in
                func side(_ name: String) throws -> (label: String, files: [String: [UInt8]]) {
                    if name == "workspace" {
                        let dir = (workspacesRoot as NSString).appendingPathComponent(s.slug)
                        var isDir: ObjCBool = false
                        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                            throw HTTPError(404, code: "no_workspace", message: "'\(s.slug)' has no code-generation workspace: it was not built or changed by the agent on this machine.")
                        }
                        return ("workspace", try capped(try read { try manager.files.read(dir: dir) }, "The workspace of '\(s.slug)'", s.slug))
                    }
                    let n = try version(s, known, name)
                    return ("v\(n)", try capped(try read { try manager.files.files(of: s.slug, id: s.id, version: n) }, "Version \(n) of '\(s.slug)'", s.slug))
                }
                let (a, b) = (try side(from), try side(to))
                let changes = FileSetDiff.compare(a.files, b.files, fromLabel: a.label, toLabel: b.label)
                let unchanged = Set(a.files.keys).intersection(b.files.keys).filter { a.files[$0] == b.files[$0] }.count
                return ["service": .string(s.slug), "from": .string(from), "to": .string(to),
                        "files": .array(changes.map(\.json)), "unchanged": JSONValue(unchanged)]
            })
        }
    }

    /// The service and its version numbers, read on the database's threads.
    static func serviceAndVersions(_ manager: ServiceManager, _ req: Request) async throws -> (ServiceRecord, [Int]) {
        try await manager.store.reading { () throws -> (ServiceRecord, [Int]) in
            let s = try service(manager, req)
            return (s, try manager.store.versions(s.id))
        }
    }

    static func service(_ manager: ServiceManager, _ req: Request) throws -> ServiceRecord {
        let id = try req.require("id")
        guard let s = try manager.store.find(id) else {
            throw HTTPError.notFound("No service '\(id)'. List them with GET /api/v1/services.")
        }
        return s
    }

    static func version(_ s: ServiceRecord, _ known: [Int], _ text: String) throws -> Int {
        guard let n = Int(text.hasPrefix("v") ? String(text.dropFirst()) : text), known.contains(n) else {
            throw HTTPError(404, code: "no_such_version",
                            message: "Service '\(s.slug)' has no version '\(text)'. Versions: \(known.map(String.init).joined(separator: ", ")).")
        }
        return n
    }

    /// Runs file reads and the work on their bytes on the bounded blocking pool; its errors reach the caller.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await Blocking.run { Result { try body() } }.get()
    }

    static func read(_ body: () throws -> [String: [UInt8]]) throws -> [String: [UInt8]] {
        do { return try body() } catch let e as ServiceFiles.Invalid {
            throw HTTPError(500, code: "unreadable_files", message: "The files could not be read: \(e.description).")
        }
    }

    static func capped(_ files: [String: [UInt8]], _ what: String, _ slug: String) throws -> [String: [UInt8]] {
        let total = files.values.reduce(0) { $0 + $1.count }
        guard total <= maxBytes else {
            throw HTTPError(413, code: "too_large",
                            message: "\(what) holds \(total) bytes of files; this view shows at most \(maxBytes). Download them with GET /api/v1/services/\(slug)/download.")
        }
        return files
    }
}
