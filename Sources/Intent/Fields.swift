/// Field lists: "a title and a body", "name, email and phone", "a required title, priority (number) defaulting to 3,
/// done as a boolean". A list ends at a word that starts a clause ("can", "that", "which") or at a word a rule used.
extension Parser {
    static let modifiers: Set<String> = ["required", "mandatory", "optional", "default", "defaults", "defaulting"]

    func isSeparator(_ p: Int) -> Bool {
        p < s.count && !s.isUsed(p) && (s[p].kind == .punctuation(",") || ["and", "plus", "&"].contains(s.lemma(p)))
    }

    /// A word that can be part of a field's name here.
    func isNameWord(_ p: Int) -> Bool {
        p < s.count && s[p].isWordLike && !s.isUsed(p) && !Vocabulary.filler.contains(s.lemma(p)) && !Parser.modifiers.contains(s.lemma(p))
    }

    mutating func fieldList(from start: Int) -> [Field] {
        var fields: [Field] = []
        var p = start
        while p < s.count {
            var q = p
            var required = false
            var type: FieldType?
            var value: Value?
            // Leading modifiers: "a required title", "an optional number priority".
            while q < s.count, !s.isUsed(q) {
                let w = s.lemma(q)
                if w == "required" || w == "mandatory" { required = true; s.use(q); q += 1; continue }
                if w == "optional" { s.use(q); q += 1; continue }
                if let t = Vocabulary.typeWords[w], isNameWord(q + 1), !["url", "link", "date", "time"].contains(w) { type = t; s.use(q); q += 1; continue }
                break
            }
            // "a list of tags": not a kind of value the store has.
            if ["list", "array", "set"].contains(s.lemma(q)), s.lemma(q + 1) == "of", q + 2 < s.count, s[q + 2].isWordLike {
                unknown.append(Unknown(.field, "\(s[q].text) of \(s[q + 2].text)".lowercased()))
                s.use([q, q + 1, q + 2])
                p = q + 3
            } else {
                var name: [String] = []
                var kinds = false
                while q < s.count, !s.isUsed(q), Parser.fieldWords.contains(s.lemma(q)) { s.use(q); q += 1 }
                var end = q
                while end - q < 3, isNameWord(end), !Parser.fieldWords.contains(s.lemma(end)) { end += 1 }
                // "users log in": the subject of something it cannot do, not a field.
                guard end > q, !claimed.contains(end) else { break }
                for p in q..<end {
                    let t = s[p]
                    if Vocabulary.unsupportedFieldKinds.contains(t.lemma) { kinds = true }
                    name.append(t.text.lowercased().replacingOccurrences(of: "'", with: "").replacingOccurrences(of: "’", with: ""))
                }
                s.use(Array(q..<end))
                q = end
                // "a published flag", "an archived checkbox": the last word is the kind.
                if name.count > 1, let kind = ["flag", "checkbox", "boolean", "bool", "toggle"].contains(name.last!) ? FieldType.boolean : nil {
                    name.removeLast()
                    type = kind
                }
                while q < s.count, !s.isUsed(q), Parser.fieldWords.contains(s.lemma(q)) { s.use(q); q += 1 }
                q = fieldSuffix(from: q, type: &type, required: &required, value: &value)
                if kinds {
                    unknown.append(Unknown(.field, name.joined(separator: " ")))
                } else {
                    var joined = name.joined(separator: "_").replacingOccurrences(of: "-", with: "_")
                    // "with priorities", "with prices": the plural of a name with a known kind is one per record.
                    let one = Tokenizer.singular(joined)
                    if one != joined, Vocabulary.inferredType(one) != .text { joined = one }
                    let t = type ?? (value.map { if case .boolean = $0 { .boolean } else if case .number = $0 { .number } else { nil } } ?? nil) ?? Vocabulary.inferredType(joined)
                    if !fields.contains(where: { $0.name == joined }) { fields.append(Field(joined, t, required: required, default: value)) }
                }
                p = q
            }
            // Another field follows only after a separator that is not followed by a clause.
            guard isSeparator(p) else { break }
            var next = p
            while isSeparator(next) { next += 1 }
            guard next < s.count, isNameWord(next) || Parser.modifiers.contains(s.lemma(next)) || Vocabulary.typeWords[s.lemma(next)] != nil else { break }
            s.use(Array(p..<next))
            p = next
        }
        return fields
    }

    /// After a field's name: "(number)", "(required)", ": number", "as a number", "is required", "defaults to 3", "= 3".
    private mutating func fieldSuffix(from start: Int, type: inout FieldType?, required: inout Bool, value: inout Value?) -> Int {
        var q = start
        while q < s.count, !s.isUsed(q) {
            let w = s.lemma(q)
            let t = s[q]
            if t.kind == .punctuation("(") , let close = (q..<s.count).first(where: { s[$0].kind == .punctuation(")") }) {
                var i = q + 1
                while i < close {
                    if let ty = Vocabulary.typeWords[s.lemma(i)] { type = ty } else if ["required", "mandatory"].contains(s.lemma(i)) { required = true }
                    else if ["default", "defaults"].contains(s.lemma(i)), i + 1 < close {
                        i += ["to", "of", ":"].contains(s.lemma(i + 1)) || s[i + 1].kind == .punctuation(":") ? 2 : 1
                        value = literal(i)
                    }
                    i += 1
                }
                s.use(Array(q...close))
                q = close + 1
                continue
            }
            if (t.kind == .punctuation(":") || w == "as"), q + 1 < s.count, let ty = Vocabulary.typeWords[s.lemma(q + 1)] {
                type = ty; s.use([q, q + 1]); q += 2; continue
            }
            if w == "required" || w == "mandatory" { required = true; s.use(q); q += 1; continue }
            if w == "is", ["required", "mandatory"].contains(s.lemma(q + 1)) { required = true; s.use([q, q + 1]); q += 2; continue }
            if ["default", "defaults", "defaulting"].contains(w) || (w == "with" && s.lemma(q + 1) == "default") {
                var i = w == "with" ? q + 2 : q + 1
                if i < s.count, ["to", "of"].contains(s.lemma(i)) || s[i].kind == .punctuation(":") || s[i].kind == .comparator(.equal) { i += 1 }
                guard i < s.count, let v = literal(i) else { break }
                value = v
                s.use(Array(q...i))
                q = i + 1
                continue
            }
            if t.kind == .comparator(.equal), q + 1 < s.count, let v = literal(q + 1) { value = v; s.use([q, q + 1]); q += 2; continue }
            break
        }
        return q
    }

    /// A literal value at a position: 3, true, no, "high", high.
    func literal(_ p: Int) -> Value? {
        guard p < s.count else { return nil }
        let t = s[p]
        switch t.kind {
        case .number(let n): return .number(n)
        case .quoted(let q): return .text(q)
        case .word, .slug:
            switch t.lemma {
            case "true", "yes", "on": return .boolean(true)
            case "false", "no", "off": return .boolean(false)
            default: return Vocabulary.filler.contains(t.lemma) ? nil : .text(t.text.lowercased())
            }
        default: return nil
        }
    }
}
