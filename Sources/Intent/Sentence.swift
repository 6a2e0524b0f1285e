/// The tokens of a request and which of them a rule has used; what no rule uses is reported as not understood.
/// Patterns skip articles ("mark ... as done" matches "mark the task as done").
struct Sentence {
    let tokens: [Token]
    private(set) var used: [Bool]
    /// Indices of the tokens that are not articles, in order.
    let view: [Int]

    init(_ tokens: [Token]) {
        self.tokens = tokens
        used = tokens.map { if case .article = $0.kind { true } else { false } }
        view = tokens.indices.filter { if case .article = tokens[$0].kind { false } else { true } }
    }

    subscript(_ p: Int) -> Token { tokens[view[p]] }
    var count: Int { view.count }
    func lemma(_ p: Int) -> String { p >= 0 && p < view.count ? self[p].lemma : "" }
    func isUsed(_ p: Int) -> Bool { used[view[p]] }
    mutating func use(_ positions: [Int]) { for p in positions where p >= 0 && p < view.count { used[view[p]] = true } }
    mutating func use(_ p: Int) { use([p]) }

    /// The token before position p was an article spelled "the" (a reference to something that exists).
    func definite(_ p: Int) -> Bool {
        let i = view[p]
        return i > 0 && tokens[i - 1].kind == .article && tokens[i - 1].text.lowercased() == "the"
    }

    func has(_ words: Set<String>) -> Bool { view.indices.contains { words.contains(lemma($0)) } }
    func first(_ words: Set<String>, from: Int = 0) -> Int? { (from..<max(from, count)).first { words.contains(lemma($0)) } }

    /// Pattern elements, space-separated: "a|b" alternatives on the lemma, "#" a number, "~" a duration,
    /// "*" any word, "..." up to four tokens that are not punctuation; a trailing "?" makes an element optional.
    /// Returns the positions of the matched elements (not of the gap) of the first match at or after `from`.
    /// With `unused`, only tokens no rule has used yet match.
    func find(_ pattern: String, from: Int = 0, unused: Bool = false) -> [Int]? {
        let elements = pattern.split(separator: " ").map(String.init)
        for start in max(0, from)..<max(max(0, from), count) {
            if let m = match(elements[...], at: start), !unused || !m.contains(where: isUsed) { return m }
        }
        return nil
    }

    func contains(_ pattern: String) -> Bool { find(pattern) != nil }

    private func match(_ elements: ArraySlice<String>, at p: Int) -> [Int]? {
        guard var e = elements.first else { return [] }
        let rest = elements.dropFirst()
        if e == "..." {
            for gap in 0...4 {
                if gap > 0, p + gap - 1 >= count || self[p + gap - 1].isPunctuation { break }
                if let m = match(rest, at: p + gap) { return m }
            }
            return nil
        }
        let optional = e.hasSuffix("?") && e.count > 1
        if optional { e.removeLast() }
        if p < count, accepts(e, p), let m = match(rest, at: p + 1) { return [p] + m }
        return optional ? match(rest, at: p) : nil
    }

    private func accepts(_ e: String, _ p: Int) -> Bool {
        let t = self[p]
        switch e {
        case "#": return t.number != nil
        case "~": if case .duration = t.kind { return true } else { return false }
        case "*": return t.isWordLike
        case ",", ";", ":", ".": return t.kind == .punctuation(Character(e))
        default: return e.split(separator: "|").contains { $0 == t.lemma }
        }
    }
}
