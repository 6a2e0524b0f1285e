import Services
import Testing
import TestSupport

/// The line diff behind the dashboard's version comparison: shortest scripts, hunks with context, the unified text.
@Suite(.offPool) struct LineDiffTests {
    func script(_ a: String, _ b: String) -> String {
        LineDiff.diff(LineDiff.lines(a), LineDiff.lines(b)).map { op -> String in
            switch op {
            case .same(let l): " " + l
            case .removed(let l): "-" + l
            case .added(let l): "+" + l
            }
        }.joined(separator: "|")
    }

    func isSame(_ op: LineDiff.Op) -> Bool { if case .same = op { true } else { false } }

    /// The old and the new text an edit script describes.
    func sides(_ ops: [LineDiff.Op]) -> ([String], [String]) {
        var old: [String] = [], new: [String] = []
        for op in ops {
            switch op {
            case .same(let l): old.append(l); new.append(l)
            case .removed(let l): old.append(l)
            case .added(let l): new.append(l)
            }
        }
        return (old, new)
    }

    /// The longest common subsequence's length, by dynamic programming: the reference for minimality.
    func lcs(_ a: [String], _ b: [String]) -> Int {
        var t = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0..<a.count { for j in 0..<b.count { t[i + 1][j + 1] = a[i] == b[j] ? t[i][j] + 1 : max(t[i][j + 1], t[i + 1][j]) } }
        return t[a.count][b.count]
    }

    @Test func editScriptsAreShortestAndKeepOrder() {
        #expect(script("a\nb\nc\n", "a\nb\nc\n") == " a| b| c")
        #expect(script("", "x\ny\n") == "+x|+y")
        #expect(script("x\ny\n", "") == "-x|-y")
        #expect(script("a\nb\nc\n", "a\nB\nc\n") == " a|-b|+B| c")
        // Myers' classic example: ABCABBA → CBABAC takes 5 edits.
        let a: [String] = "ABCABBA".map { String($0) }, b: [String] = "CBABAC".map { String($0) }
        let ops = LineDiff.diff(a, b)
        #expect(ops.filter { !isSame($0) }.count == 5)
        let (old, new) = sides(ops)
        #expect(old == a)
        #expect(new == b)
    }

    @Test func randomEditsReplayToTheNewText() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let a = (0..<Int.random(in: 0...30, using: &rng)).map { _ in String(Int.random(in: 0...5, using: &rng)) }
            let b = (0..<Int.random(in: 0...30, using: &rng)).map { _ in String(Int.random(in: 0...5, using: &rng)) }
            let ops = LineDiff.diff(a, b)
            let (old, new) = sides(ops)
            #expect(old == a && new == b)
            // Shortest: exactly the edits the longest common subsequence leaves.
            #expect(ops.filter { !isSame($0) }.count == a.count + b.count - 2 * lcs(a, b))
        }
    }

    @Test func hunksCarryContextAndMergeWhenClose() {
        let a = (1...20).map { "line \($0)" }
        var b = a
        b[1] = "changed 2"
        b[17] = "changed 18"
        let far = LineDiff.hunks(LineDiff.diff(a, b))
        #expect(far.map(\.header) == ["@@ -1,5 +1,5 @@", "@@ -15,6 +15,6 @@"])
        var c = a
        c[4] = "changed 5"
        c[9] = "changed 10"
        let near = LineDiff.hunks(LineDiff.diff(a, c))
        #expect(near.map(\.header) == ["@@ -2,12 +2,12 @@"])
        // A file made from nothing starts at 0 on the old side.
        #expect(LineDiff.hunks(LineDiff.diff([], ["x"])).map(\.header) == ["@@ -0,0 +1,1 @@"])
        #expect(LineDiff.unified(LineDiff.hunks(LineDiff.diff(["a", "b"], ["a", "c"]))) == "@@ -1,2 +1,2 @@\n a\n-b\n+c\n")
    }

    @Test func fileSetsReportAddedRemovedChangedAndBinary() {
        let old: [String: [UInt8]] = ["main.ts": Array("a\nb\n".utf8), "gone.txt": Array("x\n".utf8), "same.json": Array("{}".utf8), "logo.bin": [0, 1, 2]]
        let new: [String: [UInt8]] = ["main.ts": Array("a\nc\n".utf8), "new.txt": Array("y\n".utf8), "same.json": Array("{}".utf8), "logo.bin": [0, 1, 3]]
        let changes = FileSetDiff.compare(old, new, fromLabel: "v1", toLabel: "v2")
        #expect(changes.map(\.path) == ["gone.txt", "logo.bin", "main.ts", "new.txt"])
        #expect(changes.map(\.status) == [.removed, .changed, .changed, .added])
        #expect(changes[1].diff == nil)
        #expect(changes[2].diff == "--- a/main.ts\t(v1)\n+++ b/main.ts\t(v2)\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n")
        #expect(changes[0].diff?.hasPrefix("--- a/gone.txt\t(v1)\n+++ /dev/null\t(v2)\n@@ -1,1 +0,0 @@\n-x\n") == true)
        #expect((changes[2].additions, changes[2].deletions) == (1, 1))
    }

    @Test func aLargeRewriteFallsBackToReplacingTheMiddle() {
        let a = (0..<3000).map { "old \($0)" }, b = (0..<3000).map { "new \($0)" }
        let ops = LineDiff.diff(["head"] + a + ["tail"], ["head"] + b + ["tail"])
        #expect(ops.count == 6002)
        #expect(ops.first == .same("head") && ops.last == .same("tail"))
    }
}
