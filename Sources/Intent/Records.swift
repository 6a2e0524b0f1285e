/// Stores of named records: "a notes API where each note has a title and a body", "a todo list", "track expenses with
/// an amount and a date and show the total amount", with their operations and behaviours.
extension Parser {
    static let collectionNouns: Set<String> = [
        "api", "crud", "list", "tracker", "manager", "database", "db", "catalog", "catalogue", "log", "journal", "collection", "inventory",
        "registry", "directory", "store", "app", "service", "backend", "system", "board", "planner", "diary", "checklist",
    ]
    static let collectionVerbs: Set<String> = ["track", "manage", "record", "organize", "organise", "catalog", "catalogue", "store", "keep", "save",
                                               "log", "list", "collect", "tracking", "managing", "recording", "organizing", "organising",
                                               "storing", "keeping", "saving", "logging", "listing", "collecting"]
    /// What a service does with its records, understood as its operations.
    static let crudVerbs: Set<String> = ["create", "read", "update", "delete", "edit", "remove", "add", "list", "view", "get", "change", "browse"]
    /// Kinds of lists named by their purpose.
    static let listAliases: [String: String] = [
        "todo": "task", "to-do": "task", "todos": "task", "task": "task", "shopping": "item", "grocery": "item", "checklist": "item",
        "bucket": "item", "wish": "item", "wishlist": "item", "packing": "item", "reading": "book", "check": "item",
    ]
    /// Lists whose point is to be done: a todo list has items that can be marked done.
    static let impliesDone: Set<String> = ["todo", "to-do", "todos", "checklist"]
    static let fieldIntroducers: Set<String> = ["has", "have", "with", "contain", "contains", "containing", "hold", "holds", "holding", "storing",
                                               "field", "column", "property", "attribute", "including", "include", "includes"]
    static let fieldWords: Set<String> = ["field", "column", "property", "attribute"]

    mutating func records() -> ServiceSpec? {
        guard let named = resourceNames(), !named.isEmpty else { return nil }
        let expiry = expiry()
        var search: [Operation] = [], filters: [Operation] = [], counts: [Operation] = [], sums: [Operation] = []
        var needsDone = false
        // Counting: "how many remain", "count the open ones", "the number of notes".
        var from = 0
        while let cue = s.find("how many", from: from) ?? s.find("number of", from: from) ?? s.find("count|tally", from: from).flatMap({ s.isUsed($0[0]) ? nil : $0 }) {
            s.use(cue)
            if ["count", "tell", "show", "see"].contains(s.lemma(cue[0] - 1)) { s.use(cue[0] - 1) }
            let qualifier = doneQualifier(after: cue.last! + 1)
            if qualifier != nil { needsDone = true }
            counts.append(.count(qualifier))
            from = cue.last! + 1
            if s.lemma(from) == "of" { s.use(from) }
        }
        // Filters: "price over 10", "filter by category", "show the open ones".
        for p in 0..<s.count where !s.isUsed(p) {
            if case .comparator(let cmp) = s[p].kind, p + 1 < s.count, let n = s[p + 1].number {
                var f = p - 1
                if ["is", "are", "be"].contains(s.lemma(f)) { s.use(f); f -= 1 }
                guard let field = fieldName(f) else { continue }
                s.use([f, p, p + 1])
                filters.append(.filter(.compare(field, cmp, n)))
                for q in [f - 1, f - 2] where q >= 0 && ["where", "with", "whose", "only", "filter", "show", "list"].contains(s.lemma(q)) { s.use(q) }
            }
        }
        if let m = s.find("filter|filterable|filtered|sort|sortable|sorted|group by * and|or? *?") {
            let names = m.dropFirst(2).filter { s[$0].isWordLike && !["and", "or"].contains(s.lemma($0)) }
            s.use(m)
            for p in names { if let f = fieldName(p) { filters.append(.filter(.byField(doneNames(f)))) } }
            if m.contains(where: { ["sort", "sortable", "sorted", "group"].contains(s.lemma($0)) }) { unknown.append(Unknown(.behaviour, s[m[0]].text.lowercased())) }
        }
        if let m = s.find("show|list|see|view|get|only|filter|return|fetch ... open|remaining|pending|unfinished|incomplete|outstanding|undone|left", unused: true) {
            s.use(m); needsDone = true
            if let only = s.first(["only"]) { s.use(only) }
            filters.append(.filter(.flag("done", false)))
        } else if let m = s.find("show|list|see|view|get|only|filter|return|fetch ... done|completed|finished|closed|resolved", unused: true) {
            s.use(m); needsDone = true
            filters.append(.filter(.flag("done", true)))
        }
        // Search: "search by title", "searchable by tag", "find notes by title", "look up contacts by email".
        if let m = s.find("search|searchable|find|look|full-text") {
            s.use(m)
            var field = ""
            var p = m[0] + 1
            if s.lemma(p) == "up" { s.use(p); p += 1 }
            for q in p..<min(s.count, p + 4) where ["by", "in", "on", "through", "over", "for"].contains(s.lemma(q)) {
                if let f = fieldName(q + 1) { field = singularField(f); s.use([q, q + 1]) }
                break
            }
            search.append(.search(field: field))
        }
        // Sums: "the total amount", "sum of the prices", "add up the amounts".
        if let m = s.find("sum|total of?") ?? s.find("add up") {
            let p = m.last! + 1
            if let f = fieldName(p) {
                s.use(m + [p])
                sums.append(.sum(field: f))
            }
        }
        // Done: "mark as done", "can be completed", "tick off", "complete tasks", "done or not".
        var behaviours: [Behaviour] = []
        let doneAt = (0..<s.count).filter { !s.isUsed($0) && Vocabulary.doneWords.contains(s.lemma($0)) }
        let impliesDone = named.contains { $0.implied }
        // "marked as read", "can be archived": the flag takes the request's word.
        var flag = "done"
        if let m = s.find("mark|marked|markable as *"), let w = fieldName(m[2]), !Vocabulary.doneWords.contains(s.lemma(m[2])) {
            flag = w
            s.use(m)
        } else if let m = s.find("can|could|should be *", unused: true), Vocabulary.booleanNames.contains(s.lemma(m[2])),
                  !Vocabulary.doneWords.contains(s.lemma(m[2])), let w = fieldName(m[2]) {
            flag = w
            s.use(m)
        }
        if needsDone || impliesDone || flag != "done" || !doneAt.isEmpty || s.has(["mark", "marked", "markable"]) || s.contains("check|tick|cross ... off") {
            s.use(doneAt)
            if let m = s.find("check|tick|cross ... off") { s.use(m) }
            useAll(["mark", "marked", "markable", "as", "off", "not", "flag"])
            behaviours.append(.toggle(field: flag))
        }
        if let expiry { behaviours.append(expiry) }

        // Fields, after each introducer; they belong to the resource named nearest before.
        var resources = named.map { Resource($0.name, fields: []) }
        for p in 0..<s.count where !s.isUsed(p) && (Parser.fieldIntroducers.contains(s.lemma(p)) || (s[p].kind == .punctuation(":"))) {
            var start = p + 1
            while start < s.count, Parser.fieldWords.contains(s.lemma(start)) || s[start].kind == .punctuation(":") { s.use(start); start += 1 }
            let fields = fieldList(from: start)
            guard !fields.isEmpty else { continue }
            s.use(p)
            let owner = named.lastIndex { $0.position < p } ?? 0
            for f in fields where !resources[owner].fields.contains(where: { $0.name == f.name }) { resources[owner].fields.append(f) }
        }
        for i in resources.indices where resources[i].fields.isEmpty {
            resources[i].fields = [Field(resources[i].name == "task" || !behaviours.isEmpty ? "title" : "name", required: true)]
        }
        // The first resource carries the operations and behaviours the request names.
        useAll(Parser.collectionNouns.union(Parser.collectionVerbs).union(Parser.crudVerbs).union(["track"]))
        // Later mentions of a kind ("search notes by title", "complete tasks") are understood.
        for p in 0..<s.count where named.contains(where: { $0.name == Tokenizer.singular(s.lemma(p)) || $0.name == Parser.listAliases[s.lemma(p)] }) { s.use(p) }
        var first = resources[0]
        if behaviours.contains(.toggle(field: flag)) {
            if let i = first.fields.firstIndex(where: { $0.name == flag }) { first.fields[i].type = .boolean }
            else { first.fields.append(Field(flag, .boolean, default: .boolean(false))) }
        }
        // Fields named again ("searchable by tag" for "tags") are the same field.
        func known(_ f: String) -> String { first.fields.first { Tokenizer.singular($0.name) == Tokenizer.singular(f) }?.name ?? Tokenizer.singular(f) }
        search = search.map { op in
            if case .search(let f) = op { .search(field: f.isEmpty ? first.fields.first { $0.type == .text }?.name ?? "name" : known(f)) } else { op }
        }
        sums = sums.map { if case .sum(let f) = $0 { .sum(field: known(f)) } else { $0 } }
        filters = filters.map { op in
            switch op {
            case .filter(.compare(let f, let c, let n)): .filter(.compare(known(f), c, n))
            case .filter(.byField(let f)): .filter(.byField(known(f)))
            default: op
            }
        }
        for op in sums + filters {
            let name: String
            switch op {
            case .sum(let f): name = f
            case .filter(.compare(let f, _, _)): name = f
            default: continue
            }
            if let i = first.fields.firstIndex(where: { $0.name == name }) { first.fields[i].type = .number }
            else { first.fields.append(Field(name, .number)) }
        }
        for op in search { if case .search(let f) = op, !first.fields.contains(where: { $0.name == f }) { first.fields.append(Field(f)) } }
        first.operations = Operation.crud + search + filters + counts + sums
        first.behaviours = behaviours
        resources[0] = first
        return ServiceSpec(Tokenizer.plural(first.name).replacingOccurrences(of: "_", with: "-") + "-api", resources: resources)
    }

    /// "remaining", "left", "not done", "still to do" → open; "done", "completed" → done; within a few tokens.
    mutating func doneQualifier(after p: Int) -> Filter? {
        var q = p
        while q < min(s.count, p + 6), !s[q].isPunctuation {
            let w = s.lemma(q)
            if Vocabulary.openWords.contains(w) || (w == "to" && s.lemma(q + 1) == "do") {
                s.use(w == "to" ? [q, q + 1] : [q])
                for r in p..<q where ["still", "are", "is", "there", "not"].contains(s.lemma(r)) { s.use(r) }
                return .flag("done", false)
            }
            if Vocabulary.doneWords.contains(w) {
                let negated = (p..<q).contains { s.lemma($0) == "not" }
                s.use(Array(p...q).filter { ["are", "is", "not", "already", "have", "been", "were"].contains(s.lemma($0)) || $0 == q })
                return .flag("done", negated ? false : true)
            }
            q += 1
        }
        return nil
    }

    /// A field named by a done word is the done flag.
    func doneNames(_ f: String) -> String { Vocabulary.doneWords.contains(f) ? "done" : f }

    func singularField(_ f: String) -> String { Tokenizer.singular(f) }

    /// The record kinds a request names, with the position of each name.
    mutating func resourceNames() -> [(name: String, position: Int, implied: Bool)]? {
        func resource(_ p: Int) -> String? {
            guard p >= 0, p < s.count, s[p].isWordLike, !s.isUsed(p) else { return nil }
            let w = s.lemma(p)
            if let alias = Parser.listAliases[w] { return alias }
            // "note-taking", "expense-tracking": the kind is the first part.
            for tail in ["-taking", "-tracking", "-keeping", "-management", "-manager", "-tracker", "-logging"] where w.hasSuffix(tail) {
                return Tokenizer.singular(String(w.dropLast(tail.count)))
            }
            if Vocabulary.filler.contains(w) || Vocabulary.unsupportedBehaviours.contains(w) || Parser.collectionNouns.contains(w) || Vocabulary.doneWords.contains(w) || Vocabulary.openWords.contains(w)
                || Parser.fieldIntroducers.contains(w) { return nil }
            return Tokenizer.singular(w).replacingOccurrences(of: "-", with: "_")
        }
        // "each note has", "every contact with", "whose items", "where notes have".
        if let m = s.find("each|every|whose * has|have|with|contain|contains|containing|hold|holds|can|is|are|should|must|get|gets|:") ?? s.find("whose|where * has|have|with|contain|contains|can|is|are|should|must"),
           let name = resource(m[1]) {
            s.use(m[1])
            // "a todo list whose items …": the list's own word names the kind when it is an alias.
            if let c = (0..<m[0]).last(where: { Parser.collectionNouns.contains(s.lemma($0)) }), let alias = Parser.listAliases[s.lemma(max(0, c - 1))] {
                s.use([c - 1, c])
                return [(alias, m[1], Parser.impliesDone.contains(s.lemma(c - 1)))]
            }
            // "a blog API where each post has": the word before the collection is its theme.
            if let c = (0..<m[0]).last(where: { Parser.collectionNouns.contains(s.lemma($0)) }) {
                s.use(c)
                if c > 0, s[c - 1].isWordLike, !Vocabulary.filler.contains(s.lemma(c - 1)) { s.use(c - 1) }
            }
            // "a recipe book where each recipe has": up to two words just before "where" describe the collection.
            if s.lemma(m[0] - 1) == "where" {
                for p in [m[0] - 2, m[0] - 3] where p >= 0 && s[p].isWordLike && !s.isUsed(p) && !Vocabulary.filler.contains(s.lemma(p))
                    && !Vocabulary.unsupportedBehaviours.contains(s.lemma(p)) { s.use(p) }
            }
            return [(name, m[1], false)]
        }
        // "a notes API", "a books and authors API", "a todo list", "a checklist".
        for p in 0..<s.count where Parser.collectionNouns.contains(s.lemma(p)) && !s.isUsed(p) {
            if let alias = Parser.listAliases[s.lemma(p)] { s.use(p); return [(alias, p, Parser.impliesDone.contains(s.lemma(p)))] }
            if let name = resource(p - 1) {
                var names = [(name: name, position: p - 1, implied: Parser.impliesDone.contains(s.lemma(p - 1)))]
                if ["and", "&"].contains(s.lemma(p - 2)), let other = resource(p - 3) { names.insert((other, p - 3, false), at: 0); s.use([p - 3, p - 2]) }
                s.use([p - 1, p])
                return names
            }
        }
        // "an API for contacts", "a list of books and authors", "track expenses", "keep track of habits".
        for p in 0..<s.count where (Parser.collectionNouns.contains(s.lemma(p)) || Parser.collectionVerbs.contains(s.lemma(p))) && !s.isUsed(p) {
            var q = p + 1
            if s.lemma(p) == "keep", s.lemma(q) == "track" { q += 1 }
            while ["my", "our", "your", "all", "some", "the"].contains(s.lemma(q)) { q += 1 }
            if ["for", "of", "to"].contains(s.lemma(q)) {
                if s.lemma(q) == "to", Parser.collectionVerbs.contains(s.lemma(q + 1)) { q += 1 }
                q += 1
            }
            guard let name = resource(q) else { continue }
            var names = [(name: name, position: q, implied: Parser.impliesDone.contains(s.lemma(q)))]
            s.use(Array(p...q))
            // "books and authors", but not "books and titles have …".
            if ["and", "&"].contains(s.lemma(q + 1)), let other = resource(q + 2), !["has", "have"].contains(s.lemma(q + 3)) {
                names.append((other, q + 2, false))
                s.use([q + 1, q + 2])
            }
            return names
        }
        if let m = s.find("to do list|app|tracker") {
            s.use(m)
            return [("task", m[0], true)]
        }
        // A bare list of a known kind: "a to-do list" handled above; "todos" alone.
        if let p = (0..<s.count).first(where: { Parser.listAliases[s.lemma($0)] != nil && !s.isUsed($0) }) {
            s.use(p)
            return [(Parser.listAliases[s.lemma(p)]!, p, Parser.impliesDone.contains(s.lemma(p)))]
        }
        return nil
    }
}
