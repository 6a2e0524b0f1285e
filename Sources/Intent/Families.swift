import Foundation

/// The single-purpose families: short links, converter, text tools, lookup table, counter, key-value store, check.
extension Parser {
    mutating func service() -> Intent? {
        if let spec = shortLinks() ?? converter() ?? textTools() ?? lookup() ?? counter() ?? keyValue() ?? check() ?? records() {
            return .service(spec)
        }
        return nil
    }

    mutating func useAll(_ words: Set<String>) {
        for p in 0..<s.count where words.contains(s.lemma(p)) { s.use(p) }
    }

    // MARK: Short links

    mutating func shortLinks() -> ServiceSpec? {
        let short = s.has(["shortener", "shorten", "shortening", "url-shortener", "link-shortener"]) || s.contains("short link|url|code|id|slug")
            || s.has(["redirect", "redirection"])
        guard short else { return nil }
        var status = 302
        for p in 0..<s.count {
            if s[p].number == 301 || s[p].number == 308 || s.lemma(p) == "permanent" || s.lemma(p) == "permanently" {
                status = 301; s.use(p)
            } else if s[p].number == 302 || s[p].number == 307 || s.lemma(p) == "temporary" {
                s.use(p)
            }
        }
        var length = 6
        if let m = s.find("# character|char|letter|digit|symbol|chars code|id?") ?? s.find("code|id of # character|char|letter|digit") {
            if let n = Parser.integer(m.compactMap({ s[$0].number }).first, in: 3...32) {
                length = n
                s.use(m)
            }
        }
        useAll(["shortener", "shorten", "shortening", "url-shortener", "link-shortener", "short", "link", "url", "code", "redirect",
                "redirection", "original", "long", "target", "id", "slug", "status", "go", "visit", "open", "follow"])
        let link = Resource("link", fields: [Field("url", .url, required: true)], operations: [.create, .list, .read, .delete],
                            behaviours: [.shortCodes(length: length), .redirect(status: status)])
        return ServiceSpec("short-links", resources: [link])
    }

    // MARK: Converter

    static let quantityWords: [(Quantity, Set<String>)] = [
        (.temperature, ["temperature", "celsius", "fahrenheit", "kelvin", "degree", "°c", "°f"]),
        (.length, ["length", "distance", "km", "kilometre", "kilometer", "mile", "meter", "metre", "foot", "feet", "inch", "cm", "mi", "ft", "yard"]),
        (.mass, ["mass", "weight", "kg", "kilogram", "gram", "lb", "ounce", "oz", "pound", "stone"]),
        (.currency, ["currency", "currencie", "money", "eur", "euro", "usd", "dollar", "gbp", "chf", "franc", "yen", "jpy", "exchange"]),
    ]

    mutating func converter() -> ServiceSpec? {
        guard s.has(["convert", "converter", "conversion", "converting", "converts"]) else { return nil }
        var found: [Quantity] = []
        for (q, words) in Parser.quantityWords where s.has(words) {
            found.append(q)
            useAll(words)
        }
        useAll(["convert", "converter", "conversion", "converting", "unit", "between", "fixed", "table", "rate", "value", "other"])
        return ServiceSpec("converter", behaviours: [.unitConversion(found.isEmpty ? Quantity.allCases : found)])
    }

    // MARK: Text tools

    mutating func textTools() -> ServiceSpec? {
        let statWords: [(TextStatistic, Set<String>)] = [
            (.words, ["word"]), (.characters, ["character", "char", "letter"]), (.lines, ["line"]), (.sentences, ["sentence"]),
        ]
        let asksStats = (s.has(["text", "string", "document", "paragraph"]) && s.has(["statistic", "stat", "analysis", "analyze", "analyse", "metric", "analyzer", "analyser"]))
            || s.contains("count|counting|counter|counts|number|how word|character|char|letter|sentence|line")
            || s.contains("word|character|letter|sentence count|counter|counting|total")
            || s.contains("how many word|character|letter|sentence|line")
        let transforms: [(TextTransform, Set<String>)] = [
            (.slugify, ["slugify", "slug", "slugs"]), (.changeCase, ["uppercase", "lowercase", "case", "capitalize", "capitalise", "title-case", "upper", "lower"]),
        ]
        let asksTransforms = transforms.contains { s.has($0.1) }
        guard asksStats || asksTransforms else { return nil }
        var behaviours: [Behaviour] = []
        if asksStats {
            var stats = statWords.filter { s.has($0.1) }.map(\.0)
            for (_, words) in statWords { useAll(words) }
            if stats.isEmpty { stats = TextStatistic.allCases }
            behaviours.append(.textStatistics(stats))
            useAll(["statistic", "stat", "analysis", "analyze", "analyse", "metric", "analyzer", "analyser", "count", "counting", "counter",
                    "number", "how", "many", "total"])
        }
        if asksTransforms {
            behaviours.append(.textTransforms(transforms.filter { s.has($0.1) }.map(\.0)))
            for (_, words) in transforms { useAll(words) }
            useAll(["convert", "change", "turn", "transform", "transformer"])
        }
        useAll(["text", "string", "document", "paragraph", "tool", "given", "send", "sent", "input", "body", "piece"])
        return ServiceSpec("text-tools", behaviours: behaviours)
    }

    // MARK: Lookup table

    mutating func lookup() -> ServiceSpec? {
        let cue = s.find("lookup|look-up table?") ?? s.find("look up table") ?? s.find("fixed table|list|mapping|dictionary")
            ?? s.find("map|mapping ... to")
        guard let cue else { return nil }
        s.use(cue.filter { s.lemma($0) != "to" })
        useAll(["lookup", "look-up", "table", "fixed", "mapping", "map", "dictionary"])
        // "of country codes to names": key words up to "to", value words after it.
        var key = "key", value = "value"
        if let to = s.first(["to"], from: cue[0]) {
            let keyWords = (cue[0]..<to).reversed().prefix { !s.isUsed($0) && s[$0].isWordLike && !["of", "from", "for", "that", "which"].contains(s.lemma($0)) }.reversed()
            var valueWords: [Int] = []
            var p = to + 1
            while p < s.count, !s.isUsed(p), s[p].isWordLike, !Vocabulary.filler.contains(s.lemma(p)), valueWords.count < 3 { valueWords.append(p); p += 1 }
            if !keyWords.isEmpty, !valueWords.isEmpty {
                key = keyWords.map { s[$0].text.lowercased() }.joined(separator: "_")
                value = valueWords.map { s[$0].text.lowercased() }.joined(separator: "_")
                s.use(Array(keyWords) + [to] + valueWords)
            }
        }
        // Entries after a colon: "red to #f00, green = #0f0".
        var entries: [LookupEntry] = []
        if let colon = (0..<s.count).first(where: { s[$0].kind == .punctuation(":") && !s.isUsed($0) }) {
            s.use(colon)
            var p = colon + 1
            while p + 2 < s.count {
                let sep = s[p + 1]
                guard sep.lemma == "to" || sep.lemma == "is" || sep.kind == .comparator(.equal) || sep.kind == .punctuation(":"),
                      let k = entryText(p), let v = entryText(p + 2) else { break }
                entries.append(LookupEntry(k, v))
                s.use([p, p + 1, p + 2])
                p += 3
                while p < s.count, isSeparator(p) { s.use(p); p += 1 }
            }
        }
        return ServiceSpec("lookup", behaviours: [.lookupTable(key: key, value: value, entries: entries)])
    }

    func entryText(_ p: Int) -> String? {
        guard p < s.count else { return nil }
        switch s[p].kind {
        case .quoted(let q): return q
        case .word, .slug, .number: return s[p].text
        default: return nil
        }
    }

    // MARK: Counter

    mutating func counter() -> ServiceSpec? {
        let asks = s.has(["counter", "tally", "hit-counter", "increment", "decrement"])
            || s.contains("count|how ... hit|visit|click|view|visitor|call|request") || s.contains("how many time")
        guard asks else { return nil }
        let stepWords: [(CounterStep, Set<String>)] = [
            (.increment, ["increment", "increments", "incremented", "increase", "bump", "plus", "inc", "+1"]),
            (.decrement, ["decrement", "decrements", "decremented", "decrease", "minus", "subtract", "dec", "-1"]),
            (.reset, ["reset", "zero", "clear", "restart"]),
        ]
        var steps: [CounterStep] = []
        for (step, words) in stepWords where s.has(words) {
            steps.append(step)
            useAll(words)
        }
        if let m = s.find("go|goes|count up") { steps.append(.increment); s.use(m) }
        if let m = s.find("go|goes|count ... down") { steps.append(.decrement); s.use(m) }
        if let m = s.find("back to zero|0") { s.use(m) }
        var ordered = [CounterStep.increment, .decrement, .reset].filter { steps.contains($0) }
        if ordered.isEmpty { ordered = [.increment, .reset] } else if !ordered.contains(.increment) { ordered.insert(.increment, at: 0) }
        var start = 0
        if let m = s.find("start|starts|starting|begin|begins|beginning|initial|initially at|from|with|value|of? #") ?? s.find("start|initial value at|of|from? #") {
            if let n = Parser.integer(m.compactMap({ s[$0].number }).last) {
                start = n
                s.use(m)
            }
        }
        useAll(["counter", "tally", "hit-counter", "count", "hit", "visit", "click", "view", "visitor", "current", "value", "named",
                "multiple", "by", "one", "call", "request", "time", "number", "total", "up", "down", "page", "site", "website", "how", "many", "per", "name"])
        return ServiceSpec("counter", behaviours: [.counter(CounterSpec(start: start, steps: ordered))])
    }

    // MARK: Key-value store

    mutating func keyValue() -> ServiceSpec? {
        let asks = s.has(["key-value", "kv", "cache", "key/value", "kv-store"]) || s.contains("key value") || s.contains("value by|per key")
            || (s.has(["store", "storage"]) && (s.has(["key", "pair"]) || expiryCue() != nil))
        guard asks else { return nil }
        let expiry = expiry()
        // "a store for session tokens": what it holds.
        if let m = s.find("store|storage|cache for|of * *?") { s.use(m.filter { !Vocabulary.filler.contains(s.lemma($0)) || ["for", "of"].contains(s.lemma($0)) }) }
        useAll(["key-value", "kv", "cache", "key/value", "kv-store", "key", "value", "store", "storage", "entry", "pair", "any", "by",
                "read", "write", "delete", "string", "stored", "temporary", "short-lived"])
        return ServiceSpec("kv-store", behaviours: [.keyValue] + (expiry.map { [$0] } ?? []))
    }

    // MARK: Check a URL on request (a schedule makes it a scheduled check)

    mutating func check() -> ServiceSpec? {
        guard let u = (0..<s.count).first(where: { if case .url = s[$0].kind { true } else { false } }), case .url(let url) = s[u].kind,
              s.has(["uptime", "monitor", "check", "ping", "status", "watch", "up", "down", "reachable", "online"]) else { return nil }
        s.use(u)
        useAll(["uptime", "monitor", "check", "ping", "status", "watch", "up", "down", "reachable", "online", "whether", "history",
                "log", "record", "result", "of", "site", "website"])
        let host = URL(string: url)?.host ?? "site"
        return ServiceSpec("uptime-" + Parser.slugPart(host), behaviours: [.check(url: url)])
    }

    static func slugPart(_ s: String) -> String {
        let cleaned = String(s.lowercased().map { ($0.isLetter || $0.isNumber) ? $0 : "-" })
        return String(cleaned.split(separator: "-").joined(separator: "-").prefix(30))
    }
}
