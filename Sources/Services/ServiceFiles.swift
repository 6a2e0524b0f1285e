import Foundation

/// The files of services on disk: live directories under the services root, numbered snapshots beside them.
/// `data/` inside a service directory is the service's own state: never snapshotted, never replaced by a rollback.
public struct ServiceFiles: Sendable {
    public let servicesRoot: String
    public let versionsRoot: String
    /// On a store replicas share: every version's files are kept there too, so the replica that runs a service can
    /// write the version it runs into its own live directory (`materialize`).
    let shared: PlacementStore?

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    static let maxFileBytes = 1024 * 1024
    static let maxTotalBytes = 8 * 1024 * 1024
    static let maxFiles = 200

    public init(servicesRoot: String, versionsRoot: String, shared: PlacementStore? = nil) {
        self.servicesRoot = servicesRoot
        self.versionsRoot = versionsRoot
        self.shared = shared
    }

    public func liveDirectory(_ slug: String) -> String { (servicesRoot as NSString).appendingPathComponent(slug) }
    func versionDirectory(_ slug: String, _ v: Int) -> String { (versionsRoot as NSString).appendingPathComponent("\(slug)/\(v)") }

    /// A relative path with no `..`, no absolute part, no hidden or `data/` component.
    public static func validateRelative(_ path: String) throws { try validate(path) }

    static func validate(_ path: String) throws {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, path.utf8.count <= 256, !path.hasPrefix("/"), parts.count <= 8,
              parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.hasPrefix(".") }),
              parts.first != "data",
              path.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0 != "\\" }) else {
            throw Invalid(description: "'\(path)' is not an allowed file path: use relative paths without '..', hidden files or data/")
        }
    }

    /// Files of a live directory (code only), relative paths to contents.
    public func read(_ slug: String) throws -> [String: [UInt8]] {
        try collect(liveDirectory(slug))
    }

    /// The code files of any directory (for the CLI, which uploads a local directory).
    public func read(dir: String) throws -> [String: [UInt8]] { try collect(dir) }

    func collect(_ root: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        var total = 0
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: root) else { throw Invalid(description: "\(root) is not a readable directory") }
        while let rel = walker.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") || rel == "data" || rel.hasPrefix("data/") {
                walker.skipDescendants()
                continue
            }
            var isDir: ObjCBool = false
            let full = (root as NSString).appendingPathComponent(rel)
            guard fm.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue else { continue }
            let attrs = try fm.attributesOfItem(atPath: full)
            guard (attrs[.type] as? FileAttributeType) == .typeRegular else { continue }  // no symlinks out of the directory
            guard let data = fm.contents(atPath: full) else { continue }
            guard data.count <= ServiceFiles.maxFileBytes else { throw Invalid(description: "\(rel) is larger than 1 MiB") }
            total += data.count
            guard total <= ServiceFiles.maxTotalBytes, out.count < ServiceFiles.maxFiles else {
                throw Invalid(description: "a service may hold at most \(ServiceFiles.maxFiles) files and 8 MiB of code")
            }
            out[rel] = Array(data)
        }
        return out
    }

    /// Replaces the code files of a live directory with `files` (data/ is kept).
    func write(_ slug: String, _ files: [String: [UInt8]]) throws {
        guard files.count <= ServiceFiles.maxFiles, files.values.reduce(0, { $0 + $1.count }) <= ServiceFiles.maxTotalBytes else {
            throw Invalid(description: "a service may hold at most \(ServiceFiles.maxFiles) files and 8 MiB of code")
        }
        for (path, content) in files {
            try ServiceFiles.validate(path)
            guard content.count <= ServiceFiles.maxFileBytes else { throw Invalid(description: "\(path) is larger than 1 MiB") }
        }
        let dir = liveDirectory(slug)
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try fm.createDirectory(atPath: (dir as NSString).appendingPathComponent("data"), withIntermediateDirectories: true)
        for old in try fm.contentsOfDirectory(atPath: dir) where old != "data" && !old.hasPrefix(".") {
            try fm.removeItem(atPath: (dir as NSString).appendingPathComponent(old))
        }
        for (path, content) in files {
            let full = (dir as NSString).appendingPathComponent(path)
            try fm.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard fm.createFile(atPath: full, contents: Data(content)) else { throw Invalid(description: "cannot write \(path)") }
        }
    }

    func snapshot(_ slug: String, id: String, version: Int) throws {
        let files = try read(slug)
        try shared?.saveFiles(id, version: version, files)
        let dir = versionDirectory(slug, version)
        let fm = FileManager.default
        try? fm.removeItem(atPath: dir)
        for (path, content) in files {
            let full = (dir as NSString).appendingPathComponent(path)
            try fm.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(content).write(to: URL(fileURLWithPath: full))  // a snapshot that cannot be written is an error, not a gap
        }
    }

    /// The code files of one numbered snapshot: on this disk, else (made on another replica) from the store.
    public func files(of slug: String, id: String, version: Int) throws -> [String: [UInt8]] {
        let dir = versionDirectory(slug, version)
        if let shared, !FileManager.default.fileExists(atPath: dir), let stored = try shared.files(id, version: version) { return stored }
        return try collect(dir)
    }

    /// The hidden file in a live directory that names the version its code files are (`<id>:<version>`).
    static let versionMark = ".openpieces-version"

    /// Makes the live directory hold `version`'s code, from the store, unless it does already (its `data/` stays).
    /// Only on a shared store: alone, the live directory is the source of every version.
    func materialize(_ slug: String, id: String, version: Int) throws {
        guard let shared else { return }
        let mark = (liveDirectory(slug) as NSString).appendingPathComponent(ServiceFiles.versionMark)
        let want = "\(id):\(version)"
        if (try? String(contentsOfFile: mark, encoding: .utf8)) == want { return }
        var files = try shared.files(id, version: version)
        if files == nil, let local = try? collect(versionDirectory(slug, version)), !local.isEmpty {
            // Made before the store was shared (migrated, restored): this disk has it, and now the store does too.
            try shared.saveFiles(id, version: version, local)
            files = local
        }
        guard let files else {
            throw Invalid(description: "version \(version) of '\(slug)' has no files in the store: deploy it again from the replica that made it")
        }
        try write(slug, files)
        try Data(want.utf8).write(to: URL(fileURLWithPath: mark), options: .atomic)
    }

    func remove(_ slug: String) {
        try? FileManager.default.removeItem(atPath: liveDirectory(slug))
        try? FileManager.default.removeItem(atPath: (versionsRoot as NSString).appendingPathComponent(slug))
    }
}
