import Foundation

/// Intents back into words: what was understood (one line per fact), the request as the engine would phrase it, and
/// the closest request it can do when nothing fits.
public enum Rephrase {
    // MARK: Facts

    public static func facts(_ intent: Intent) -> [String] {
        switch intent {
        case .service(let spec):
            var out = ["a service \(spec.name)"]
            for r in spec.resources {
                out.append("records of \(r.name) with \(r.fields.map(describe).joined(separator: ", "))")
                out.append("operations: \(r.operations.map(describe).joined(separator: ", "))")
                if !r.behaviours.isEmpty { out.append("behaviours: \(r.behaviours.map(describe).joined(separator: ", "))") }
            }
            if !spec.behaviours.isEmpty { out.append("behaviours: \(spec.behaviours.map(describe).joined(separator: ", "))") }
            return out
        case .event(let e):
            var out = ["a webhook \(e.trigger)" + (e.payload.map { " receiving \(Tokenizer.plural($0))" } ?? "")]
            out += e.conditions.map { "only when \(describe($0))" }
            out += e.targets.map(describe)
            if e.targets.isEmpty { out.append("each event is reported") }
            return out
        case .scheduled(let sch):
            return ["on the schedule \(sch.schedule.cron)\(sch.schedule.timezone.map { " (\($0))" } ?? "")", describe(sch.action)]
        case .change(let c):
            return ["a change to \(c.service): " + c.changes.map(describe).joined(separator: ", ")]
        }
    }

    static func describe(_ f: Field) -> String {
        var s = "\(f.name) (\(f.type.rawValue)"
        if f.required { s += ", required" }
        if let d = f.defaultValue { s += ", default \(literal(d))" }
        return s + ")"
    }

    static func literal(_ v: Value) -> String {
        switch v {
        case .text(let t): "\"\(t)\""
        case .number(let n): number(n)
        case .boolean(let b): b ? "true" : "false"
        }
    }

    static func number(_ n: Double) -> String { Int(exactly: n).map(String.init) ?? String(n) }

    static func describe(_ f: Filter) -> String {
        switch f {
        case .flag(let name, let on): name == "done" ? (on ? "the done ones" : "the open ones") : "\(name) is \(on)"
        case .compare(let name, let cmp, let n): "\(name) \(cmp.rawValue) \(number(n))"
        case .byField(let name): "by \(name)"
        }
    }

    static func describe(_ op: Operation) -> String {
        switch op {
        case .create, .list, .read, .update, .delete: "\(op)"
        case .search(let f): "search by \(f)"
        case .filter(let f): "filter \(describe(f))"
        case .count(let f): f.map { "count \(describe($0))" } ?? "count"
        case .sum(let f): "sum of \(f)"
        }
    }

    static func describe(_ b: Behaviour) -> String {
        switch b {
        case .toggle(let f): "mark \(f)"
        case .expiry(let s): s.map { "expire after \(duration($0))" } ?? "expire after a lifetime given on each write"
        case .counter(let c): "count from \(c.start): \(c.steps.map(\.rawValue).joined(separator: ", "))"
        case .keyValue: "values by key"
        case .redirect(let status): "redirect by code (\(status))"
        case .shortCodes(let n): "\(n)-character short codes"
        case .textStatistics(let stats): "count \(stats.map(\.rawValue).joined(separator: ", "))"
        case .textTransforms(let t): t.map { $0 == .slugify ? "slugify" : "change case" }.joined(separator: ", ")
        case .unitConversion(let q): "convert \(q.map(\.rawValue).joined(separator: ", "))"
        case .lookupTable(let k, let v, let entries): "look up \(v) by \(k)" + (entries.isEmpty ? "" : " (\(entries.count) entries)")
        case .check(let url): "check \(url) and keep a log"
        case .fetch(let url): "fetch \(url) and keep the answers"
        case .webhookReceiver: "receive webhook events"
        case .documents: "keep every field sent"
        }
    }

    static func duration(_ seconds: Double) -> String {
        for unit in TimeUnit.allCases.reversed() where seconds >= unit.seconds && (seconds / unit.seconds).rounded() == seconds / unit.seconds {
            let n = Int(seconds / unit.seconds)
            return "\(n) \(unit.rawValue)\(n == 1 ? "" : "s")"
        }
        return "\(number(seconds)) seconds"
    }

    static func describe(_ c: Condition) -> String { "\(c.field) \(c.comparator.rawValue) \(literal(c.value))" }

    public static func describe(_ ref: EndpointRef) -> String {
        [ref.service, ref.method, ref.path].compactMap { $0 }.joined(separator: " ")
    }

    static func describe(_ t: EventTarget) -> String {
        switch t {
        case .save(let to): "save it to \(to)"
        case .call(let ref): "call \(describe(ref))"
        case .keep: "keep each event and list them"
        }
    }

    static func describe(_ a: ScheduledAction) -> String {
        switch a {
        case .check(let url, let log): "check \(url)" + (log ? " and keep a log" : "")
        case .fetch(let url): "fetch \(url)"
        case .call(let ref): "call \(describe(ref))"
        }
    }

    static func describe(_ c: Change) -> String {
        switch c {
        case .addField(let f): "add the field \(describe(f))"
        case .removeField(let f): "remove the field \(f)"
        case .renameField(let a, let b): "rename the field \(a) to \(b)"
        case .setCounterStart(let n): "start the counter at \(n)"
        case .addBehaviour(let b): describe(b)
        case .addOperation(let op): describe(op)
        }
    }

    // MARK: The request, as the engine would phrase it

    /// A request that parses back to the same intent (the tests check it for every intent in the phrasing table).
    public static func sentence(_ intent: Intent) -> String {
        switch intent {
        case .service(let spec):
            if spec.resources.count > 1 {
                return "create a " + list(spec.resources.map { Tokenizer.plural($0.name) }) + " API"
            }
            if let r = spec.resources.first { return sentence(r) }
            // "a key-value store whose entries expire after 1 minute" reads as one phrase.
            return spec.behaviours.map(sentence).joined(separator: spec.behaviours.first == .keyValue ? " " : "; ")
        case .event(let e):
            var s = e.payload.map { "When my \(e.trigger) webhook receives \("aeiou".contains($0.first ?? "x") ? "an" : "a") \($0)" } ?? "a webhook" + (e.trigger == "incoming" ? "" : " for \(e.trigger)")
            let numeric = e.conditions.filter { if case .number = $0.value { true } else { false } }
            let other = e.conditions.filter { if case .number = $0.value { false } else { true } }
            if !numeric.isEmpty { s += " with " + list(numeric.map { "\($0.field) \(words($0.comparator)) \(literal($0.value))" }) }
            for c in other {
                let value = if case .text(let t) = c.value { t } else { literal(c.value) }
                s += c.comparator == .notEqual ? ", unless \(c.field) is \(value)" : ", only if \(c.field) is \(value)"
            }
            let targets = e.targets.map { t in
                switch t {
                case .save(let to): "save it to \(to)"
                case .call(let ref): "call \(describe(ref))"
                case .keep: "keep each one and list them"
                }
            }
            if !targets.isEmpty { s += (e.payload == nil ? " that will " : ", ") + list(targets) }
            return s
        case .scheduled(let sch):
            let zone = sch.schedule.timezone.map { " in \($0)" } ?? ""
            let action: String = switch sch.action {
            case .check(let url, let log): "check \(url)" + (log ? " and keep a log" : "")
            case .fetch(let url): "fetch \(url)"
            case .call(let ref): "call " + [ref.service, ref.method, ref.path].compactMap { $0 }.joined(separator: " ")
            }
            return "on cron \"\(sch.schedule.cron)\"\(zone) \(action)"
        case .change(let c):
            let added = c.changes.compactMap { if case .addField(let f) = $0 { f } else { nil } }
            var parts = added.isEmpty ? [] : ["add " + list(added.map(phrase)) + " to \(c.service)"]
            for change in c.changes {
                switch change {
                case .addField: continue
                case .removeField(let f): parts.append("remove the field \(f) from \(c.service)")
                case .renameField(let a, let b): parts.append("rename the field \(a) to \(b) in \(c.service)")
                case .setCounterStart(let n): parts.append("make the \(c.service) start at \(n)")
                case .addBehaviour(.expiry(let sec)): parts.append("make \(c.service) entries expire" + (sec.map { " after \(duration($0))" } ?? ""))
                case .addBehaviour(.toggle): parts.append("make \(c.service) items markable as done")
                case .addOperation(.search(let f)): parts.append("make \(c.service) searchable by \(f)")
                default: parts.append("change \(c.service): \(describe(change))")
                }
            }
            return parts.joined(separator: "; ")
        }
    }

    static func words(_ c: Comparator) -> String {
        switch c {
        case .greater: "over"
        case .greaterOrEqual: "at least"
        case .less: "under"
        case .lessOrEqual: "at most"
        case .equal: "equal to"
        case .notEqual: "not equal to"
        }
    }

    static func sentence(_ r: Resource) -> String {
        if let length = r.behaviours.lazy.compactMap({ if case .shortCodes(let n) = $0 { n } else { nil } }).first {
            let status = r.behaviours.lazy.compactMap { if case .redirect(let s) = $0 { s } else { nil } }.first ?? 302
            return "a URL shortener with \(length) character codes and \(status) redirects"
        }
        let flag = r.behaviours.lazy.compactMap { if case .toggle(let f) = $0 { f } else { nil } }.first
        var s = "create a \(Tokenizer.plural(r.name)) API where each \(r.name) has "
        s += list(r.fields.filter { $0.name != flag }.map(phrase))
        var extras: [String] = []
        if let flag { extras.append(flag == "done" ? "can be marked done" : "can be marked as \(flag)") }
        for b in r.behaviours { if case .expiry(let sec) = b { extras.append("expires" + (sec.map { " after \(duration($0))" } ?? "")) } }
        s += extras.isEmpty ? "" : " and " + extras.joined(separator: " and ")
        for op in r.operations {
            switch op {
            case .search(let f): s += "; search by \(f)"
            case .filter(.flag(_, let on)): s += on ? "; show the done ones" : "; show the open ones"
            case .filter(.compare(let f, let cmp, let n)): s += "; show those with \(f) \(words(cmp)) \(number(n))"
            case .filter(.byField(let f)): s += "; filter by \(f)"
            case .count(.some(.flag(_, let on))): s += on ? "; how many are done" : "; how many remain"
            case .count: s += "; count them"
            case .sum(let f): s += "; the sum of \(f)"
            default: break
            }
        }
        return s
    }

    static func sentence(_ b: Behaviour) -> String {
        switch b {
        case .counter(let c):
            "a counter\(c.start == 0 ? "" : " starting from \(c.start)"): each hit increments and returns the count"
                + (c.steps.contains(.decrement) ? "; a decrement endpoint" : "") + (c.steps.contains(.reset) ? "; a reset endpoint" : "")
        case .keyValue: "a key-value store"
        case .expiry(let s): "whose entries expire" + (s.map { " after \(duration($0))" } ?? "")
        case .textStatistics(let stats): "text statistics: count the \(list(stats.map(\.rawValue)))"
        case .textTransforms(let t): "text tools to " + list(t.map { $0 == .slugify ? "slugify" : "change case" })
        case .unitConversion(let q): "a converter for \(list(q.map(\.rawValue)))"
        case .lookupTable(let k, let v, let entries):
            "a lookup table that maps \(k.replacingOccurrences(of: "_", with: " ")) to \(v.replacingOccurrences(of: "_", with: " "))"
                + (entries.isEmpty ? "" : ": " + entries.map { "\($0.key) to \($0.value)" }.joined(separator: ", "))
        case .check(let url): "monitor uptime of \(url)"
        default: describe(b)
        }
    }

    static func phrase(_ f: Field) -> String {
        let name = f.name.replacingOccurrences(of: "_", with: " ")
        var s = f.required ? "a required " + name : ("aeiou".contains(name.first ?? "x") ? "an " : "a ") + name
        if f.type != Vocabulary.inferredType(f.name) { s += " (\(f.type.rawValue))" }
        if let d = f.defaultValue { s += " defaulting to \(literal(d))" }
        return s
    }

    static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    // MARK: The closest request it can do

    /// One example per family, with the words that point to it.
    public static let examples: [(request: String, cues: Set<String>)] = [
        ("create a notes API where each note has a title and a body", ["note", "api", "crud", "record", "database", "table", "contact", "book", "entry", "manage", "data", "resource", "post", "blog"]),
        ("a todo list whose items can be marked done; how many remain", ["todo", "task", "done", "complete", "checklist", "remain", "finish", "reminder", "list"]),
        ("a key-value store whose entries expire after 1 minute", ["key", "value", "cache", "expire", "ttl", "session", "store", "temporary"]),
        ("a counter: each hit increments and returns the count; a reset endpoint", ["counter", "count", "hit", "visit", "click", "increment", "tally", "like", "vote"]),
        ("a converter for temperatures, lengths, masses and currencies", ["convert", "unit", "currency", "temperature", "exchange", "rate", "length", "weight", "calculate"]),
        ("text statistics: count the words, characters and lines of a text", ["text", "word", "character", "sentence", "string", "analyse", "analyze", "statistic", "translate", "summarize", "spell", "grammar"]),
        ("a URL shortener with short codes that redirect", ["url", "link", "short", "redirect", "shorten", "qr"]),
        ("a lookup table that maps country codes to names", ["lookup", "map", "mapping", "code", "country", "dictionary", "translate"]),
        ("Every minute check https://example.com and keep a log", ["monitor", "check", "uptime", "ping", "website", "site", "down", "status", "alert", "health"]),
        ("Every day at 08:00 Europe/Berlin call my /report endpoint", ["every", "daily", "schedule", "cron", "report", "morning", "hourly", "weekly", "remind", "backup"]),
        ("When my webhook receives an order with total over 100, save it to orders", ["webhook", "event", "order", "receive", "payment", "notify", "email", "incoming", "github", "stripe", "when", "sign", "signup", "send"]),
    ]

    public static func closest(to tokens: [Token]) -> String {
        let words = Set(tokens.map(\.lemma).filter { !$0.isEmpty })
        let best = examples.enumerated().max { a, b in
            let sa = a.element.cues.intersection(words).count, sb = b.element.cues.intersection(words).count
            return sa != sb ? sa < sb : a.offset > b.offset
        }
        return best?.element.request ?? examples[0].request
    }
}
