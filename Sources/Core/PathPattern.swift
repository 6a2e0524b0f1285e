/// A path pattern: `/notes/:id` (a `:name` segment matches one non-empty segment) and `/files/*rest` (a trailing
/// `*name` matches the rest of the path, possibly empty). The platform's routes and the endpoints a service declares
/// share this grammar, and `PathTrie` is the one matcher of both.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
        case catchAll(String)
    }

    public let segments: [Segment]
    public let description: String

    /// Empty segments are dropped (`/a//b/` is `/a/b`), as in the paths matched against it.
    public init(_ pattern: String) {
        description = pattern
        segments = pattern.split(separator: "/", omittingEmptySubsequences: true).map { s in
            if s.hasPrefix(":") { return .parameter(String(s.dropFirst())) }
            if s.hasPrefix("*") { return .catchAll(String(s.dropFirst())) }
            return .literal(String(s))
        }
    }

    /// The names of its parameters, in order.
    public var parameterNames: [String] {
        segments.compactMap { s in
            switch s {
            case .literal: nil
            case .parameter(let n), .catchAll(let n): n
            }
        }
    }

    /// Whether a catch-all appears anywhere but last (such a pattern matches nothing).
    public var isWellFormed: Bool {
        guard let i = segments.firstIndex(where: { if case .catchAll = $0 { true } else { false } }) else { return true }
        return i == segments.count - 1
    }

    /// The pattern without its parameters' names: two patterns of one shape match the same paths.
    public var shape: String {
        "/" + segments.map { s in
            switch s {
            case .literal(let l): l
            case .parameter: ":"
            case .catchAll: "*"
            }
        }.joined(separator: "/")
    }

    /// The non-empty segments of a path (at most 65), split on the UTF-8 bytes: `String.split` walks grapheme
    /// clusters, which costs more than the rest of routing.
    public static func split(_ path: String) -> [Substring] {
        var out: [Substring] = []
        let u = path.utf8
        var start = u.startIndex, i = start
        while i != u.endIndex, out.count <= 64 {
            if u[i] == 0x2F {
                if i != start { out.append(path[start..<i]) }
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        if start != u.endIndex, out.count <= 64 { out.append(path[start..<u.endIndex]) }
        return out
    }
}

/// Patterns and their values, matched against paths: a literal segment before a parameter, a parameter before a
/// catch-all, backtracking when a branch leads nowhere. Built once, immutable after (a lookup walks references).
public struct PathTrie<Value: Sendable>: Sendable {
    /// Mutated only in `init`; read-only after, which makes sharing it across threads safe.
    final class Node: @unchecked Sendable {
        /// Keyed by Substring so a lookup with a path segment allocates nothing.
        var statics: [Substring: Node] = [:]
        var param: Node?
        var value: Leaf?
        var catchAll: Leaf?
    }

    struct Leaf {
        var value: Value
        /// The parameter names of the first pattern of this shape, in order.
        var names: [String]
    }

    private let root = Node()

    /// `combine` merges the value of a pattern into that of an earlier one of the same shape (`/a/:id` and
    /// `/a/:name` are one shape: the first one's parameter names are kept). Malformed patterns are left out.
    public init(_ entries: [(pattern: PathPattern, value: Value)], combine: (inout Value, Value) -> Void) {
        for (pattern, value) in entries where pattern.isWellFormed {
            var node = root
            for segment in pattern.segments {
                switch segment {
                case .literal(let l):
                    let child = node.statics[Substring(l)] ?? Node()
                    node.statics[Substring(l)] = child
                    node = child
                case .parameter:
                    let child = node.param ?? Node()
                    node.param = child
                    node = child
                case .catchAll:
                    if node.catchAll == nil { node.catchAll = Leaf(value: value, names: pattern.parameterNames) } else { combine(&node.catchAll!.value, value) }
                }
            }
            if case .catchAll? = pattern.segments.last { continue }
            if node.value == nil { node.value = Leaf(value: value, names: pattern.parameterNames) } else { combine(&node.value!.value, value) }
        }
    }

    /// The value whose pattern matches `path`, with its parameters: `:name` ones percent-decoded, a catch-all as the
    /// rest of the path came (a trailing slash included). Nil when nothing matches.
    public func match(_ path: String) -> (value: Value, parameters: [String: String])? {
        match(PathPattern.split(path))
    }

    /// The same, for a path already split by `PathPattern.split`.
    public func match(_ segments: [Substring]) -> (value: Value, parameters: [String: String])? {
        var values: [String] = []
        guard let leaf = PathTrie.find(root, segments[...], &values) else { return nil }
        var parameters: [String: String] = [:]
        for (name, value) in zip(leaf.names, values) { parameters[name] = value }
        return (leaf.value, parameters)
    }

    private static func find(_ node: Node, _ segments: ArraySlice<Substring>, _ values: inout [String]) -> Leaf? {
        guard let first = segments.first else {
            if let v = node.value { return v }
            if let c = node.catchAll { values.append(""); return c }
            return nil
        }
        let rest = segments.dropFirst()
        if let child = node.statics[first], let found = find(child, rest, &values) { return found }
        if let p = node.param, let decoded = PercentEncoding.decode(first) {
            // Try the parameter branch in place; undo if it leads nowhere.
            values.append(decoded)
            if let found = find(p, rest, &values) { return found }
            values.removeLast()
        }
        if let c = node.catchAll {
            let path = first.base
            values.append(String(path[first.startIndex..<path.endIndex]))
            return c
        }
        return nil
    }
}

public enum PercentEncoding {
    /// Decodes `%XX` escapes; nil when an escape is malformed or the result is not UTF-8.
    public static func decode<S: StringProtocol>(_ s: S, plusIsSpace: Bool = false) -> String? {
        guard s.utf8.contains(where: { $0 == 0x25 || (plusIsSpace && $0 == 0x2B) }) else { return String(s) }
        let utf8 = Array(s.utf8)
        var out = [UInt8]()
        out.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            let c = utf8[i]
            if c == 0x25 {
                guard i + 2 < utf8.count, let hi = hexValue(utf8[i + 1]), let lo = hexValue(utf8[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(plusIsSpace && c == 0x2B ? 0x20 : c)
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    public static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}
