/// A line diff (Myers' O((N+M)·D) algorithm) and its unified form, for showing what changed between two versions
/// of a service's files.
public enum LineDiff {
    public enum Op: Equatable, Sendable {
        case same(String)
        case removed(String)
        case added(String)

        var isSame: Bool { if case .same = self { true } else { false } }
        var inOld: Bool { if case .added = self { false } else { true } }
        var inNew: Bool { if case .removed = self { false } else { true } }
    }

    /// A run of changes with its context: 1-based starts (the line before, when the count is 0), counts and lines.
    public struct Hunk: Equatable, Sendable {
        public var oldStart: Int
        public var oldCount: Int
        public var newStart: Int
        public var newCount: Int
        public var ops: [Op]

        public var header: String { "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@" }
    }

    /// Past this many edits the search stops and the middle is shown as replaced whole: the trace grows as D².
    public static let maxEdits = 1500

    /// Lines of a text; a final newline ends the last line rather than starting an empty one.
    public static func lines(_ text: String) -> [String] {
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    /// The shortest edit script from `a` to `b` (common prefix and suffix first, then Myers on the middle).
    public static func diff(_ a: [String], _ b: [String]) -> [Op] {
        var start = 0
        while start < a.count, start < b.count, a[start] == b[start] { start += 1 }
        var endA = a.count, endB = b.count
        while endA > start, endB > start, a[endA - 1] == b[endB - 1] { endA -= 1; endB -= 1 }
        let midA = Array(a[start..<endA]), midB = Array(b[start..<endB])
        let middle = myers(midA, midB) ?? (midA.map(Op.removed) + midB.map(Op.added))
        return a[..<start].map(Op.same) + middle + a[endA...].map(Op.same)
    }

    static func myers(_ a: [String], _ b: [String]) -> [Op]? {
        let n = a.count, m = b.count
        if n == 0 { return b.map(Op.added) }
        if m == 0 { return a.map(Op.removed) }
        let offset = n + m + 1
        var v = [Int](repeating: 0, count: 2 * offset + 1)
        // trace[d] holds v for k in -d...d as it was before step d (index k + d).
        var trace: [[Int]] = []
        for d in 0...min(n + m, maxEdits) {
            trace.append(Array(v[(offset - d)...(offset + d)]))
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n, y >= m { return backtrack(a, b, trace, d) }
            }
        }
        return nil
    }

    static func backtrack(_ a: [String], _ b: [String], _ trace: [[Int]], _ last: Int) -> [Op] {
        var ops: [Op] = []
        var x = a.count, y = b.count
        for d in stride(from: last, to: 0, by: -1) {
            let v = trace[d]
            let k = x - y
            let prevK = (k == -d || (k != d && v[k - 1 + d] < v[k + 1 + d])) ? k + 1 : k - 1
            let prevX = v[prevK + d], prevY = prevX - prevK
            while x > prevX, y > prevY { ops.append(.same(a[x - 1])); x -= 1; y -= 1 }
            if x == prevX { ops.append(.added(b[y - 1])) } else { ops.append(.removed(a[x - 1])) }
            x = prevX
            y = prevY
        }
        while x > 0, y > 0 { ops.append(.same(a[x - 1])); x -= 1; y -= 1 }
        return ops.reversed()
    }

    /// The changes grouped into hunks with `context` unchanged lines around them (nearby hunks merge).
    public static func hunks(_ ops: [Op], context: Int = 3) -> [Hunk] {
        let changes = ops.indices.filter { !ops[$0].isSame }
        guard let first = changes.first else { return [] }
        // Lines of each side before op i.
        var oldBefore = [0], newBefore = [0]
        for op in ops {
            oldBefore.append(oldBefore.last! + (op.inOld ? 1 : 0))
            newBefore.append(newBefore.last! + (op.inNew ? 1 : 0))
        }
        var groups: [(Int, Int)] = []
        var lo = first, hi = first
        for c in changes.dropFirst() {
            if c - hi - 1 <= 2 * context { hi = c } else { groups.append((lo, hi)); lo = c; hi = c }
        }
        groups.append((lo, hi))
        return groups.map { lo, hi in
            let from = max(0, lo - context), to = min(ops.count, hi + context + 1)
            let oldCount = oldBefore[to] - oldBefore[from], newCount = newBefore[to] - newBefore[from]
            return Hunk(oldStart: oldBefore[from] + (oldCount == 0 ? 0 : 1), oldCount: oldCount,
                        newStart: newBefore[from] + (newCount == 0 ? 0 : 1), newCount: newCount, ops: Array(ops[from..<to]))
        }
    }

    /// The unified diff's body (hunk headers and lines), without the file header.
    public static func unified(_ hunks: [Hunk]) -> String {
        var out = ""
        for h in hunks {
            out += h.header + "\n"
            for op in h.ops {
                switch op {
                case .same(let l): out += " " + l + "\n"
                case .removed(let l): out += "-" + l + "\n"
                case .added(let l): out += "+" + l + "\n"
                }
            }
        }
        return out
    }
}
