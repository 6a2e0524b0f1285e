import Core

/// What changed between two sets of a service's files: one entry per added, removed or changed file.
public struct FileChange: Sendable, Equatable {
    public enum Status: String, Sendable { case added, removed, changed }

    public var path: String
    public var status: Status
    public var additions: Int
    public var deletions: Int
    /// The unified diff with its `---`/`+++` header; nil for a binary file.
    public var diff: String?

    public var json: JSONValue {
        ["path": .string(path), "status": .string(status.rawValue), "additions": JSONValue(additions), "deletions": JSONValue(deletions),
         "binary": .bool(diff == nil), "diff": diff.map(JSONValue.string) ?? .null]
    }
}

public enum FileSetDiff {
    /// `fromLabel`/`toLabel` name the sides in the headers (e.g. "v1", "workspace"). Unchanged files are left out.
    public static func compare(_ old: [String: [UInt8]], _ new: [String: [UInt8]], fromLabel: String, toLabel: String) -> [FileChange] {
        Set(old.keys).union(new.keys).sorted().compactMap { path in
            let a = old[path], b = new[path]
            if a == b { return nil }
            let status: FileChange.Status = a == nil ? .added : (b == nil ? .removed : .changed)
            guard let textA = text(a ?? []), let textB = text(b ?? []) else {
                return FileChange(path: path, status: status, additions: 0, deletions: 0, diff: nil)
            }
            let ops = LineDiff.diff(LineDiff.lines(textA), LineDiff.lines(textB))
            let added = ops.filter { if case .added = $0 { true } else { false } }.count
            let removed = ops.filter { if case .removed = $0 { true } else { false } }.count
            var body = LineDiff.unified(LineDiff.hunks(ops))
            // Same lines, different bytes: only the final newline changed.
            if body.isEmpty { body = "\\ The files differ only in their final newline\n" }
            let header = "--- \(a == nil ? "/dev/null" : "a/\(path)")\t(\(fromLabel))\n+++ \(b == nil ? "/dev/null" : "b/\(path)")\t(\(toLabel))\n"
            return FileChange(path: path, status: status, additions: added, deletions: removed, diff: header + body)
        }
    }

    /// The text of a file, or nil when it is not UTF-8 or holds NUL bytes (a binary file).
    public static func text(_ bytes: [UInt8]) -> String? {
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
