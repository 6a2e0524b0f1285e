import Foundation

/// Splits a request into tokens: words (singular, lowercased), slugs, numbers, durations, clock times, zones, URLs,
/// paths, quoted text, comparators and punctuation. "counter:" is the word "counter" and a colon.
public enum Tokenizer {
    /// Requests are typed by people; anything longer is cut here, before any work.
    public static let maxCharacters = 4000

    public static func tokenize(_ input: String) -> [Token] {
        merge(scan(Array(input.prefix(maxCharacters))))
    }

    // MARK: - Scanning

    static let quotePairs: [Character: Character] = ["\"": "\"", "“": "”", "„": "“", "`": "`", "‘": "’", "'": "'", "«": "»"]

    static func scan(_ c: [Character]) -> [Token] {
        var out: [Token] = []
        var i = 0
        func isWordChar(_ ch: Character) -> Bool { ch.isLetter || ch.isNumber || ch == "_" }
        while i < c.count {
            let ch = c[i]
            if ch.isWhitespace { i += 1; continue }
            // Quotes: an apostrophe opens a quote only at the start of a word.
            if let close = quotePairs[ch], ch != "'" || i == 0 || !isWordChar(c[i - 1]) {
                if let end = c[(i + 1)...].firstIndex(of: close), end > i + 1 {
                    out.append(Token(.quoted(String(c[(i + 1)..<end])), String(c[i...end])))
                    i = end + 1
                    continue
                }
                i += 1
                continue
            }
            let rest = String(c[i..<min(c.count, i + 8)]).lowercased()
            if rest.hasPrefix("http://") || rest.hasPrefix("https://") {
                var end = i
                while end < c.count, !c[end].isWhitespace, c[end] != "\"", c[end] != "'" { end += 1 }
                var url = String(c[i..<end])
                while let last = url.last, ".,;:!?)".contains(last) { url.removeLast() }
                out.append(Token(.url(url), url))
                i += url.count
                continue
            }
            if ch == "/", i + 1 < c.count, isWordChar(c[i + 1]) || c[i + 1] == ":" || c[i + 1] == "{" {
                var end = i
                while end < c.count, !c[end].isWhitespace, !",;\"'()".contains(c[end]) { end += 1 }
                var path = String(c[i..<end])
                while let last = path.last, ".:!?".contains(last) { path.removeLast() }
                out.append(Token(.path(path), path))
                i += path.count
                continue
            }
            // "-5": a negative number where a word could start.
            let negative = ch == "-" && i + 1 < c.count && c[i + 1].isNumber && (i == 0 || c[i - 1].isWhitespace)
            if isWordChar(ch) || negative {
                // Inner joiners stay in the word only between word characters: "notes-api", "08:00", "example.com",
                // "Europe/Berlin", "counter's"; a trailing ":" or "." is punctuation.
                var end = i + 1
                while end < c.count {
                    if isWordChar(c[end]) { end += 1; continue }
                    if "-.:/'’".contains(c[end]), end + 1 < c.count, isWordChar(c[end + 1]) { end += 2; continue }
                    break
                }
                out.append(word(String(c[i..<end])))
                i = end
                continue
            }
            // Symbol comparators.
            let two = i + 1 < c.count ? String([ch, c[i + 1]]) : ""
            if let cmp = [">=": Comparator.greaterOrEqual, "<=": .lessOrEqual, "!=": .notEqual, "==": .equal][two] {
                out.append(Token(.comparator(cmp), two))
                i += 2
                continue
            }
            if let cmp = [">": Comparator.greater, "<": .less, "=": .equal][String(ch)] {
                out.append(Token(.comparator(cmp), String(ch)))
                i += 1
                continue
            }
            out.append(Token(.punctuation(ch), String(ch)))
            i += 1
        }
        return out
    }

    /// Classifies one run of word characters.
    static func word(_ raw: String) -> Token {
        var text = raw.replacingOccurrences(of: "’", with: "'")
        let lower = text.lowercased()
        if lower == "a" || lower == "an" || lower == "the" { return Token(.article, raw) }
        if lower == "utc" { return Token(.zone("UTC"), raw) }
        if let n = Double(lower), n.isFinite, lower.first?.isNumber == true || (lower.hasPrefix("-") && lower.dropFirst().first?.isNumber == true) { return Token(.number(n), raw) }
        if let clock = clock(lower) { return Token(.clock(hour: clock.0, minute: clock.1), raw) }
        // "5m" is ambiguous (metres); only unambiguous glued units count.
        if let split = lower.firstIndex(where: { !$0.isNumber && $0 != "." }), split != lower.startIndex,
           let n = Double(lower[..<split]), n.isFinite, let unit = TimeUnit.glued(String(lower[split...])) {
            return Token(.duration(n, unit), raw)
        }
        if raw.contains("/"), TimeZone(identifier: raw) != nil { return Token(.zone(raw), raw) }
        if text.lowercased().hasSuffix("'s") { text.removeLast(2) }
        text = text.replacingOccurrences(of: "'", with: "")
        let w = text.lowercased()
        if w.contains("-") { return Token(.slug(w), raw) }
        return Token(.word(singular(w)), raw)
    }

    /// "08:00", "9:30", "8am", "9:30pm".
    static func clock(_ w: String) -> (Int, Int)? {
        var s = Substring(w)
        var pm = false, am = false
        if s.hasSuffix("pm") { pm = true; s = s.dropLast(2) } else if s.hasSuffix("am") { am = true; s = s.dropLast(2) }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || (parts.count == 1 && (am || pm)), var h = Int(parts[0]) else { return nil }
        let m = parts.count == 2 ? Int(parts[1]) : 0
        guard let m, (0...59).contains(m), parts.count == 1 || parts[1].count == 2 else { return nil }
        if pm && h < 12 { h += 12 }
        if am && h == 12 { h = 0 }
        return (0...23).contains(h) ? (h, m) : nil
    }

    // MARK: - Singular forms

    static let keepAsIs: Set<String> = ["has", "is", "was", "does", "this", "its", "yes", "news", "series", "always", "perhaps", "whereas",
                                        "sms", "dns", "https", "http", "aws", "gps", "ios", "macos", "species", "less", "unless", "plus", "minus",
                                        "status", "address", "kudos", "stats", "analytics", "metrics", "settings", "lens", "canvas"]
    static let irregular: [String: String] = ["people": "person", "children": "child", "men": "man", "women": "woman", "mice": "mouse",
                                              "goes": "go", "data": "data", "criteria": "criterion", "indices": "index", "stats": "statistic",
                                              "statistics": "statistic", "metrics": "metric", "leaves": "leaf",
                                              "analytics": "analytic", "settings": "setting", "movies": "movie",
                                              "cookies": "cookie", "pies": "pie", "ties": "tie", "lies": "lie", "calories": "calorie",
                                              "zombies": "zombie", "selfies": "selfie", "rookies": "rookie", "smoothies": "smoothie"]

    /// English plural (or third-person verb) to singular, lowercased in and out.
    public static func singular(_ w: String) -> String {
        if let i = irregular[w] { return i }
        if w.count <= 3 || keepAsIs.contains(w) || !w.hasSuffix("s") { return w }
        if w.hasSuffix("ss") || w.hasSuffix("us") || w.hasSuffix("is") || w.hasSuffix("ous") { return w }
        if w.hasSuffix("ies") { return String(w.dropLast(3)) + "y" }
        for tail in ["sses", "shes", "ches", "xes", "zes", "uses"] where w.hasSuffix(tail) { return String(w.dropLast(2)) }
        return String(w.dropLast())
    }

    /// "note" → "notes", "entry" → "entries", "box" → "boxes".
    public static func plural(_ w: String) -> String {
        if w.hasSuffix("y"), let before = w.dropLast().last, !"aeiou".contains(before) { return String(w.dropLast()) + "ies" }
        if w.hasSuffix("s") || w.hasSuffix("x") || w.hasSuffix("z") || w.hasSuffix("ch") || w.hasSuffix("sh") { return w + "es" }
        return w + "s"
    }

    // MARK: - Merging

    static let comparatorWords: [([String], Comparator)] = [
        (["more", "than"], .greater), (["greater", "than"], .greater), (["bigger", "than"], .greater), (["larger", "than"], .greater),
        (["higher", "than"], .greater), (["at", "least"], .greaterOrEqual), (["less", "than"], .less), (["fewer", "than"], .less),
        (["lower", "than"], .less), (["smaller", "than"], .less), (["at", "most"], .lessOrEqual), (["equal", "to"], .equal),
        (["not", "equal", "to"], .notEqual), (["over"], .greater), (["above"], .greater), (["exceed"], .greater),
        (["exceeding"], .greater), (["under"], .less), (["below"], .less), (["equal"], .equal), (["exactly"], .equal),
    ]

    /// Number + unit → duration; article + unit → one of it; comparator words before a number → comparator.
    static func merge(_ tokens: [Token]) -> [Token] {
        var out: [Token] = []
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            let next = i + 1 < tokens.count ? tokens[i + 1] : nil
            if let n = t.number, let next, case .word(let w) = next.kind, let unit = TimeUnit.named(w) {
                out.append(Token(.duration(n, unit), t.text + " " + next.text))
                i += 2
                continue
            }
            if case .article = t.kind, let next, case .word(let w) = next.kind, w.count > 2, let unit = TimeUnit.named(w) {
                out.append(Token(.duration(1, unit), t.text + " " + next.text))
                i += 2
                continue
            }
            if t.isWordLike, let (words, cmp) = comparatorWords.first(where: { phrase in
                phrase.0.count + i < tokens.count && phrase.0.enumerated().allSatisfy { tokens[i + $0.offset].lemma == $0.element }
                    && { if case .number = tokens[i + phrase.0.count].kind { true } else if case .duration = tokens[i + phrase.0.count].kind { true } else { false } }()
            }) {
                out.append(Token(.comparator(cmp), tokens[i..<(i + words.count)].map(\.text).joined(separator: " ")))
                i += words.count
                continue
            }
            out.append(t)
            i += 1
        }
        return out
    }
}
