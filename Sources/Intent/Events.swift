/// Event rules: "When my webhook receives an order with total over 100, save it to orders", "a webhook whose
/// submissions are kept and listed", "a webhook receiver for github that calls notes-api POST /notes".
extension Parser {
    static let methods: Set<String> = ["get", "post", "put", "patch", "delete"]

    mutating func event() -> Intent? {
        guard let hook = s.first(["webhook", "web-hook", "hook", "callback"]) else { return nil }
        s.use(hook)
        // Its name: "my orders webhook", "a webhook for github", "a webhook called signups".
        var explicit: String?
        if let n = name(hook - 1), !s.isUsed(hook - 1), !["incoming", "new", "simple", "receive", "receives", "get", "gets"].contains(n) {
            explicit = n; s.use(hook - 1)
        } else if let m = s.find("webhook|hook|receiver|endpoint for|called|named|from *", from: hook), let n = name(m[2]) {
            explicit = n; s.use(m)
        }
        useAll(["receiver", "receive", "receiving", "incoming", "endpoint", "event", "payload", "accept", "arrive", "come", "post", "posted",
                "sent", "whenever", "report", "secret", "request"])
        // What one event is: "receives an order", "whose submissions", "gets a signup".
        var payload: String?
        if let m = s.find("receive|receives|gets|get|accept|accepts|take|takes *", from: hook) ?? s.find("whose|where *", from: hook) {
            let p = m[1]
            if s[p].isWordLike, !Vocabulary.filler.contains(s.lemma(p)) || s.lemma(p) == "json" {
                payload = s.lemma(p); s.use(m)
            }
        }
        // Conditions: "with total over 100", "when total is more than 100", "only if status is paid".
        var conditions: [Condition] = []
        for p in 0..<s.count where !s.isUsed(p) {
            guard case .comparator(let cmp) = s[p].kind, p + 1 < s.count, let n = s[p + 1].number else { continue }
            var f = p - 1
            if ["is", "are", "be", "was"].contains(s.lemma(f)) { s.use(f); f -= 1 }
            guard let field = fieldName(f) else { continue }
            s.use([f, p, p + 1])
            conditions.append(Condition(field, cmp, .number(n)))
        }
        // "plan equal to pro", "plan is equal to pro".
        while let m = s.find("* is? equal|equals to? *", unused: true), let field = fieldName(m[0]), let value = literal(m.last!) {
            conditions.append(Condition(field, .equal, value))
            s.use(m)
        }
        var from = 0
        while let m = s.find("if|unless|when|where|whose * is|equal|equals|=|isnt|not *", from: from) {
            from = m[0] + 1
            guard !s.isUsed(m[1]), let field = fieldName(m[1]), !s.isUsed(m[3]), let value = literal(m[3]) else { continue }
            let negated = ["isnt", "not"].contains(s.lemma(m[2])) || s.lemma(m[2] + 1) == "not"
            conditions.append(Condition(field, negated || s.lemma(m[0]) == "unless" ? .notEqual : .equal, value))
            s.use(m)
            if let only = s.first(["only"]), only < m[0] { s.use(only) }
        }
        // Targets: "save it to orders", "call notes-api POST /notes", "kept and listed".
        var targets: [EventTarget] = []
        if let m = s.find("save|store|write|insert|put|add|record|log|forward|send|copy ... to|in|into|inside"), let (to, at) = storeName(after: m.last!) {
            targets.append(.save(to: to))
            s.use(m + at)
            // "saves incoming leads into leads-api": what it saves is the event.
            if payload == nil, let p = (m[0]..<m[m.count - 1]).last(where: { !s.isUsed($0) && s[$0].isWordLike && !Vocabulary.filler.contains(s.lemma($0)) }) {
                payload = s.lemma(p)
                s.use(p)
            }
        }
        if let m = s.find("call|calls|trigger|triggers|invoke|invokes *") {
            var ref = EndpointRef()
            var p = m[1]
            if let n = name(p), !Parser.methods.contains(s.lemma(p)) { ref.service = n; p += 1 }
            if Parser.methods.contains(s.lemma(p)), p + 1 < s.count, case .path(let path) = s[p + 1].kind {
                ref.method = s.lemma(p).uppercased(); ref.path = path; s.use([p, p + 1])
            } else if case .path(let path) = s[p].kind { ref.path = path; s.use(p) }
            if ref.service != nil || ref.path != nil { s.use(Array(m[0]..<p)); targets.append(.call(ref)) }
        }
        let keeps = s.has(["save", "store", "keep", "kept", "stored", "saved", "record", "recorded", "log", "logged", "persist"])
        let lists = s.has(["list", "listed", "listing", "see", "view", "show", "browse", "read"])
        if targets.isEmpty, keeps {
            targets.append(.keep)
            useAll(["save", "store", "keep", "kept", "stored", "saved", "record", "recorded", "log", "logged", "persist", "list", "listed",
                    "listing", "see", "view", "show", "browse", "read", "later", "all", "them"])
        } else if targets.isEmpty, lists {
            unknown.append(Unknown(.behaviour, "list without keeping"))
        }
        let trigger = explicit ?? payload.map(Tokenizer.plural) ?? "incoming"
        return .event(EventSpec(trigger: trigger, payload: payload, conditions: conditions, targets: targets))
    }

    /// The store named after "to": "orders", "my orders-api", "a 'big orders' list" (a name in quotes becomes a slug).
    func storeName(after to: Int) -> (String, [Int])? {
        var p = to + 1
        while p < s.count, ["a", "an", "the", "my", "our"].contains(s.lemma(p)) { p += 1 }
        guard let n = name(p) else { return nil }
        var at = Array(to + 1...p)
        if p + 1 < s.count, ["list", "store", "table", "collection", "database", "db"].contains(s.lemma(p + 1)) { at.append(p + 1) }
        let slug = n.split(whereSeparator: { $0 == " " || $0 == "_" }).joined(separator: "-")
        return (slug, at)
    }
}
