import Core
import Foundation
import Services

/// A code-generation session's files: one directory per service, every path confined to it.
struct Workspace: Sendable {
    let root: String

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// Resolves a relative path inside the workspace; refuses `..`, absolute paths, hidden files, `data/`
    /// and anything a symlink would lead outside.
    func resolve(_ path: String) throws -> String {
        do { try ServiceFiles.validateRelative(path) } catch {
            throw Refused(description: "'\(path)' is outside this service's directory: use a relative path such as main.ts")
        }
        let full = (root as NSString).appendingPathComponent(path)
        let realRoot = (root as NSString).resolvingSymlinksInPath
        // The deepest existing ancestor, symlinks resolved, must still be inside the root.
        var probe = full
        while !FileManager.default.fileExists(atPath: probe), probe != "/" { probe = (probe as NSString).deletingLastPathComponent }
        let real = (probe as NSString).resolvingSymlinksInPath
        guard real == realRoot || real.hasPrefix(realRoot + "/") else {
            throw Refused(description: "'\(path)' leads outside this service's directory through a link")
        }
        return full
    }

    func list() throws -> [String] {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var out: [String] = []
        let walker = FileManager.default.enumerator(atPath: root)
        while let rel = walker?.nextObject() as? String {
            if rel.hasPrefix(".") || rel == "data" || rel.hasPrefix("data/") { walker?.skipDescendants(); continue }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent(rel), isDirectory: &isDir), !isDir.boolValue {
                out.append(rel)
            }
        }
        return out.sorted()
    }

    func read(_ path: String) throws -> String {
        let full = try resolve(path)
        guard let data = FileManager.default.contents(atPath: full) else { throw Refused(description: "\(path) does not exist") }
        return String(decoding: data, as: UTF8.self)
    }

    func write(_ path: String, _ content: String) throws {
        guard content.utf8.count <= 1024 * 1024 else { throw Refused(description: "a file may hold at most 1 MiB") }
        let full = try resolve(path)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // Never write through a link.
        if let attrs = try? FileManager.default.attributesOfItem(atPath: full), attrs[.type] as? FileAttributeType == .typeSymbolicLink {
            throw Refused(description: "'\(path)' is a link: refused")
        }
        guard FileManager.default.createFile(atPath: full, contents: Data(content.utf8)) else { throw Refused(description: "cannot write \(path)") }
    }

    /// Replaces exactly one occurrence of `old` with `new`.
    func edit(_ path: String, old: String, new: String) throws {
        let text = try read(path)
        let count = text.components(separatedBy: old).count - 1
        guard count == 1 else {
            throw Refused(description: count == 0 ? "the text to replace was not found in \(path)" : "the text to replace occurs \(count) times in \(path): give more context")
        }
        try write(path, text.replacingOccurrences(of: old, with: new))
    }

    func files() throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for p in try list() { out[p] = Array(try read(p).utf8) }
        return out
    }
}
