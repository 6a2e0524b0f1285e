import Foundation
import Scheduling

/// Reads a plain-English request into an `Intent`: a new service, an event rule, a scheduled call or a change to a
/// service built before. Every word is either used by a rule, a filler word, or reported in `unknown`.
public enum RequestParser {
    public static func parse(_ request: String) -> ParseResult {
        var parser = Parser(request)
        return parser.run()
    }
}

struct Parser {
    let text: String
    var s: Sentence
    var unknown: [Unknown] = []
    /// Positions of phrases the engine cannot do, found first: a field list stops before a name that leads into one.
    var claimed: Set<Int> = []

    init(_ text: String) {
        self.text = String(text.prefix(Tokenizer.maxCharacters))
        s = Sentence(Tokenizer.tokenize(text))
    }

    mutating func run() -> ParseResult {
        for phrase in Vocabulary.unsupportedPhrases {
            while let m = s.find(phrase), !m.contains(where: s.isUsed) {
                s.use(m)
                claimed.formUnion(m)
                unknown.append(Unknown(.behaviour, m.map { s[$0].text.lowercased() }.joined(separator: " ")))
            }
        }
        // Order matters: a change names a service that exists; an event rule and a schedule contain phrases that
        // would otherwise read as a new service ("save it to orders", "check https://…").
        let intent = change() ?? event() ?? scheduled() ?? service()
        // A schedule with nothing to do is still understood as a schedule.
        if intent == nil, SchedulePhrase.parse(text) != nil { useSchedule() }
        unknown += leftovers()
        var understood = intent.map(Rephrase.facts) ?? []
        if intent == nil, let schedule = SchedulePhrase.parse(text) {
            understood.append("schedule: \(schedule.cron)\(schedule.timezone.map { " (\($0))" } ?? "")")
        }
        let closest: String? = unknown.isEmpty && intent != nil ? nil : (intent.map(Rephrase.sentence) ?? Rephrase.closest(to: s.tokens))
        return ParseResult(intent: intent, understood: understood, unknown: unknown, closest: closest)
    }

    /// What no rule used: adjacent tokens form one report.
    mutating func leftovers() -> [Unknown] {
        var out: [Unknown] = []
        var run: [String] = []
        var behaviour = false
        func flush() {
            if !run.isEmpty { out.append(Unknown(behaviour ? .behaviour : .word, run.joined(separator: " "))) }
            run = []
            behaviour = false
        }
        for p in 0..<s.count {
            let t = s[p]
            guard !s.isUsed(p) else { flush(); continue }
            // Articles inside a run stay in it: "book a table".
            if !run.isEmpty, p > 0, s.view[p] - s.view[p - 1] > 1 {
                run += s.tokens[(s.view[p - 1] + 1)..<s.view[p]].map { $0.text.lowercased() }
            }
            switch t.kind {
            case .word, .slug:
                if Vocabulary.filler.contains(t.lemma) { flush(); continue }
                if Vocabulary.unsupportedBehaviours.contains(t.lemma) { behaviour = true }
                run.append(t.text.lowercased())
            case .punctuation, .article:
                flush()
            case .quoted(let q):
                run.append("\"\(q)\"")
            default:
                run.append(t.text)
            }
        }
        flush()
        return out
    }

    // MARK: - Shared pieces

    /// "expire after 5 minutes", "a 1 s lifetime", "a TTL of 30 seconds", "are deleted after an hour", "entries expire".
    /// The words that ask for a lifetime, if any.
    func expiryCue() -> [Int]? {
        let cues: Set<String> = ["expire", "expiry", "expiration", "expiring", "ttl", "lifetime", "vanish", "disappear", "auto-delete",
                                 "auto-expire", "self-destruct", "time-to-live"]
        if let p = s.first(cues) { return [p] }
        if let m = s.find("time to live") { return m }
        if let m = s.find("delete|deleted|removed|gone|forgotten|dropped|purged|cleared after|in ~") { return Array(m.dropLast()) }
        if let m = s.find("valid|last|kept|live for ~") { return Array(m.dropLast()) }
        return nil
    }

    mutating func expiry() -> Behaviour? {
        guard let hits = expiryCue(), let first = hits.first else { return nil }
        s.use(hits)
        // The lifetime: the duration nearest the cue.
        let durations = (0..<s.count).filter { if case .duration = s[$0].kind { !s.isUsed($0) } else { false } }
        // Up to ten years; a lifetime beyond that (or not above zero) is left for the report.
        guard let d = durations.min(by: { abs($0 - first) < abs($1 - first) }), case .duration(let n, let unit) = s[d].kind,
              n > 0, n * unit.seconds <= 315_360_000 else {
            return .expiry(seconds: nil)
        }
        s.use(d)
        for p in [d - 1, d - 2] where p >= 0 && ["after", "in", "within", "of", "for", "once"].contains(s.lemma(p)) { s.use(p) }
        return .expiry(seconds: n * unit.seconds)
    }

    /// A whole number in a range a service can use; anything else is left for the report.
    static func integer(_ n: Double?, in range: ClosedRange<Int> = -1_000_000_000...1_000_000_000) -> Int? {
        guard let n, let i = Int(exactly: n), range.contains(i) else { return nil }
        return i
    }

    /// The words of a service's name as written: "notes-api", "counter", "orders".
    func name(_ p: Int) -> String? {
        guard p >= 0, p < s.count else { return nil }
        switch s[p].kind {
        case .slug(let w): return w
        case .word(let w) where !Vocabulary.filler.contains(w): return Parser.withoutPossessive(s[p].text.lowercased())
        case .quoted(let q): return q
        default: return nil
        }
    }

    /// "counter's" names the counter.
    static func withoutPossessive(_ w: String) -> String {
        let plain = w.replacingOccurrences(of: "’", with: "'")
        return plain.hasSuffix("'s") ? String(plain.dropLast(2)) : plain
    }

    /// Field name as written (lowercased, joined by "_").
    func fieldName(_ p: Int) -> String? {
        guard p < s.count, s[p].isWordLike, !Vocabulary.filler.contains(s.lemma(p)) else { return nil }
        return s[p].text.lowercased().replacingOccurrences(of: "-", with: "_")
    }
}
