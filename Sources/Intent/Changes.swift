/// Changes to a service built before: "add a field priority to notes-api", "make the counter start at 10",
/// "remove the field body from notes-api", "rename title to heading in notes-api", "make kv-store entries expire after 1 hour".
extension Parser {
    static let politeLead: Set<String> = ["please", "can", "could", "would", "you", "now", "also", "then", "i", "want", "to", "like", "need", "ok", "okay"]

    mutating func change() -> Intent? {
        var p0 = 0
        while p0 < s.count, Parser.politeLead.contains(s.lemma(p0)) || s[p0].isPunctuation { p0 += 1 }
        guard p0 < s.count else { return nil }
        let lead = (0..<p0).map { $0 }
        switch s.lemma(p0) {
        case "add", "include", "put":
            // The service is the last name after "to"/"in": "… to notes-api", "… to the tasks".
            guard let to = (p0 + 1..<s.count).last(where: { ["to", "in", "into", "on"].contains(s.lemma($0)) }),
                  let target = existing(to + 1) else { return nil }
            s.use(lead + [p0, to] + target.positions)
            var changes = behaviourChanges(before: to)
            var start = p0 + 1
            while start < to, Parser.fieldWords.contains(s.lemma(start)) || s.lemma(start) == "new" { s.use(start); start += 1 }
            changes += fieldList(from: start).map(Change.addField)
            return changes.isEmpty ? nil : .change(ChangeSpec(target.name, changes))
        case "remove", "drop", "delete":
            guard let m = s.find("field|column|property? * from|in *", from: p0 + 1), let target = existing(m.last!),
                  let field = fieldName(m[m.count - 3]) else { return nil }
            s.use(lead + [p0] + m + target.positions)
            return .change(ChangeSpec(target.name, [.removeField(field)]))
        case "rename":
            guard let m = s.find("field|column? * to|as * in|on|of *", from: p0 + 1), let target = existing(m.last!) else { return nil }
            let from = m[m.count - 5], to = m[m.count - 3]
            guard let old = fieldName(from), let new = fieldName(to) else { return nil }
            s.use(lead + [p0] + m + target.positions)
            return .change(ChangeSpec(target.name, [.renameField(from: old, to: new)]))
        case "make", "set", "change", "let", "have", "update":
            // Only about something that exists: "the counter", "notes-api", "my counter".
            guard let target = existing(p0 + 1) else { return nil }
            s.use(lead + [p0] + target.positions)
            var changes: [Change] = []
            if let m = s.find("start|starts|starting|begin|begins|initial value|count? at|from|to|of|is #")
                ?? s.find("start|starts|starting|begin|initial #") ?? s.find("start|starting|begin ... at|from|to #") {
                if let n = Parser.integer(m.compactMap({ s[$0].number }).last) { changes.append(.setCounterStart(n)); s.use(m) }
            }
            changes += behaviourChanges(before: s.count)
            return changes.isEmpty ? nil : .change(ChangeSpec(target.name, changes))
        default:
            return nil
        }
    }

    /// A service named as existing at p: a slug ("notes-api"), or "the X"/"my X" (possibly "the X service").
    func existing(_ p: Int) -> (name: String, positions: [Int])? {
        guard p < s.count else { return nil }
        if case .slug(let slug) = s[p].kind { return (slug, [p]) }
        if case .quoted(let q) = s[p].kind { return (q, [p]) }
        var q = p
        var mine = false
        if s.lemma(q) == "my" { mine = true; q += 1 }
        guard q < s.count, s.definite(q) || mine, let n = name(q) else { return nil }
        var positions = Array(p...q)
        if ["service", "api", "app"].contains(s.lemma(q + 1)) { positions.append(q + 1) }
        return (n, positions)
    }

    /// Behaviours and operations a change adds: expiry, search, mark done.
    mutating func behaviourChanges(before end: Int) -> [Change] {
        var changes: [Change] = []
        if let e = expiry() {
            changes.append(.addBehaviour(e))
            useAll(["entry", "key", "item", "record", "row", "value", "note", "task"])
        }
        if let m = s.find("search|searchable|find by|on|in *"), m[0] < end, let f = fieldName(m[2]) {
            s.use(m); changes.append(.addOperation(.search(field: singularField(f))))
        }
        let done = (0..<s.count).filter { !s.isUsed($0) && Vocabulary.doneWords.contains(s.lemma($0)) }
        if !done.isEmpty {
            s.use(done)
            useAll(["mark", "marked", "markable", "as", "able", "be", "possible"])
            changes.append(.addBehaviour(.toggle(field: "done")))
        }
        return changes
    }
}
