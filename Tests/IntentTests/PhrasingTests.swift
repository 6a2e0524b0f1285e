import Intent
import Scheduling
import Testing
import TestSupport

@Suite(.offPool) struct PhrasingTests {
    /// Each request reads as exactly its expected intent, and what is not understood is reported, not dropped.
    @Test(arguments: PhrasingTable.all)
    func phrasing(_ c: Phrasing) {
        let r = RequestParser.parse(c.request)
        #expect(r.intent == c.expected)
        #expect(r.unknown == c.unknown)
        #expect(r.isComplete == (c.expected != nil && c.unknown.isEmpty))
        // Whatever is not complete names the closest request it can do.
        #expect((r.closest == nil) == r.isComplete)
    }

    @Test(arguments: PhrasingTable.heldOut + PhrasingTable.heldOut2 + PhrasingTable.heldOut3 + PhrasingTable.heldOut4)
    func heldOut(_ c: Phrasing) {
        let r = RequestParser.parse(c.request)
        #expect(r.intent == c.expected)
        #expect(r.unknown == c.unknown)
    }

    /// The rephrasing the engine offers is a request it reads back as the same intent, with nothing left over.
    @Test(arguments: (PhrasingTable.all + PhrasingTable.heldOut + PhrasingTable.heldOut2 + PhrasingTable.heldOut3 + PhrasingTable.heldOut4).filter { $0.expected != nil })
    func rephrasingReadsBack(_ c: Phrasing) throws {
        let intent = try #require(c.expected)
        let sentence = Rephrase.sentence(intent)
        let r = RequestParser.parse(sentence)
        #expect(r.intent == intent, "\(sentence)")
        #expect(r.unknown.isEmpty, "\(sentence)")
    }

    /// The table spans every family and has several paraphrases of done, remaining, expiry and counting.
    @Test func tableCoversTheFamilies() {
        let intents = PhrasingTable.all.compactMap(\.expected)
        #expect(PhrasingTable.all.count >= 60)
        func count(_ match: (Intent) -> Bool) -> Int { intents.filter(match).count }
        func behaviours(_ i: Intent) -> [Behaviour] {
            guard case .service(let s) = i else { return [] }
            return s.behaviours + s.resources.flatMap(\.behaviours)
        }
        func operations(_ i: Intent) -> [Operation] {
            guard case .service(let s) = i else { return [] }
            return s.resources.flatMap(\.operations)
        }
        #expect(count { behaviours($0).contains(.toggle(field: "done")) } >= 5)
        #expect(count { operations($0).contains(.count(.flag("done", false))) } >= 4)
        #expect(count { behaviours($0).contains { if case .expiry = $0 { true } else { false } } } >= 5)
        #expect(count { behaviours($0).contains { if case .counter = $0 { true } else { false } } } >= 5)
        #expect(count { behaviours($0).contains(.keyValue) } >= 5)
        #expect(count { behaviours($0).contains { if case .unitConversion = $0 { true } else { false } } } >= 2)
        #expect(count { behaviours($0).contains { if case .textStatistics = $0 { true } else { false } } } >= 2)
        #expect(count { behaviours($0).contains { if case .shortCodes = $0 { true } else { false } } } >= 2)
        #expect(count { behaviours($0).contains { if case .lookupTable = $0 { true } else { false } } } >= 1)
        #expect(count { behaviours($0).contains { if case .check = $0 { true } else { false } } } >= 1)
        #expect(count { operations($0).contains { if case .search = $0 { true } else { false } } } >= 2)
        #expect(count { operations($0).contains { if case .sum = $0 { true } else { false } } } >= 2)
        #expect(count { operations($0).contains { if case .filter(.compare) = $0 { true } else { false } } } >= 1)
        #expect(count { if case .event(let e) = $0 { !e.conditions.isEmpty } else { false } } >= 3)
        #expect(count { if case .event(let e) = $0 { e.targets.contains(.keep) } else { false } } >= 2)
        #expect(count { if case .scheduled = $0 { true } else { false } } >= 5)
        #expect(count { if case .change = $0 { true } else { false } } >= 5)
    }
}

@Suite(.offPool) struct UnknownRequestTests {
    @Test func nothingFitsNamesTheClosestFamily() {
        let music = RequestParser.parse("play some music")
        #expect(music.intent == nil)
        #expect(music.understood.isEmpty)
        #expect(music.closest == Rephrase.examples[0].request)

        let email = RequestParser.parse("send me an email every time someone signs up")
        #expect(email.intent == nil)
        #expect(email.closest == "When my webhook receives an order with total over 100, save it to orders")
    }

    @Test func aScheduleWithNothingToDoIsUnderstoodAsASchedule() {
        let r = RequestParser.parse("every day at 9 water the plants")
        #expect(r.intent == nil)
        #expect(r.understood == ["schedule: 0 9 * * *"])
        #expect(r.unknown == [Unknown(.word, "water the plants")])
        #expect(r.closest == "Every day at 08:00 Europe/Berlin call my /report endpoint")
    }

    /// A request understood in part offers the part it can build, as a request that builds it.
    @Test func partlyUnderstoodOffersWhatItCanBuild() throws {
        let r = RequestParser.parse("a notes API where each note has a title, a body and a photo")
        #expect(!r.isComplete)
        #expect(r.unknown == [Unknown(.field, "photo")])
        #expect(r.understood.contains("records of note with title (text), body (text)"))
        let closest = try #require(r.closest)
        let again = RequestParser.parse(closest)
        #expect(again.isComplete)
        #expect(again.intent == r.intent)
    }

    /// Numbers a service cannot use are reported; they never trap.
    @Test func numbersOutOfRangeAreReported() {
        let big = RequestParser.parse("a counter that starts at 99999999999999999999999")
        #expect(big.intent == .service(ServiceSpec("counter", behaviours: [.counter(CounterSpec())])))
        #expect(big.unknown == [Unknown(.word, "starts"), Unknown(.word, "99999999999999999999999")])
        let ttl = RequestParser.parse("a cache with a ttl of 99999999999 weeks")
        #expect(ttl.unknown == [Unknown(.word, "99999999999 weeks")])
        #expect(RequestParser.parse("a counter that starts at -5").intent == .service(ServiceSpec("counter", behaviours: [.counter(CounterSpec(start: -5))])))
    }

    @Test(arguments: ["", "(((", "\"unclosed quote", "every every every", "add to", "rename", "remove the field from", "when", "/ / /",
                      "https://", "a: b: c:", "each has", "' ' '", "1e400", "webhook webhook webhook", String(repeating: "(", count: 5000)])
    func oddInputIsAnsweredNotBuilt(_ request: String) {
        let r = RequestParser.parse(request)
        #expect(!r.isComplete)
        #expect(r.closest != nil)
    }

    @Test func longInputIsCut() {
        let r = RequestParser.parse(String(repeating: "note ", count: 5000))
        #expect(r.intent == nil)
        #expect(Tokenizer.tokenize(String(repeating: "a ", count: 10000)).count <= Tokenizer.maxCharacters / 2)
    }
}

@Suite(.offPool) struct TokenizerTests {
    func kinds(_ s: String) -> [Token.Kind] { Tokenizer.tokenize(s).map(\.kind) }

    @Test func punctuationIsNotPartOfAWord() {
        #expect(kinds("A counter: each hit") == [.article, .word("counter"), .punctuation(":"), .word("each"), .word("hit")])
        #expect(kinds("counter's value.") == [.word("counter"), .word("value"), .punctuation(".")])
    }

    @Test func pluralsAndVerbsBecomeSingular() {
        #expect(kinds("notes entries boxes statuses movies increments people has this")
            == ["note", "entry", "box", "status", "movie", "increment", "person", "has", "this"].map(Token.Kind.word))
        #expect(Tokenizer.plural("entry") == "entries")
        #expect(Tokenizer.plural("box") == "boxes")
        #expect(Tokenizer.plural("note") == "notes")
    }

    @Test func numbersWithUnits() {
        #expect(kinds("1 s, 5 minutes, 2h, an hour, 10 secs")
            == [.duration(1, .second), .punctuation(","), .duration(5, .minute), .punctuation(","), .duration(2, .hour), .punctuation(","),
                .duration(1, .hour), .punctuation(","), .duration(10, .second)])
        #expect(kinds("5m 3.5") == [.word("5m"), .number(3.5)])
    }

    @Test func comparatorsOnlyBeforeANumber() {
        #expect(kinds("over 100") == [.comparator(.greater), .number(100)])
        #expect(kinds("at least 18, >= 3, below 5") == [.comparator(.greaterOrEqual), .number(18), .punctuation(","), .comparator(.greaterOrEqual),
                                                       .number(3), .punctuation(","), .comparator(.less), .number(5)])
        #expect(kinds("over the bridge at noon") == [.word("over"), .article, .word("bridge"), .word("at"), .word("noon")])
    }

    @Test func urlsPathsSlugsQuotesClocksZones() {
        #expect(kinds("check https://example.com/health?x=1.") == [.word("check"), .url("https://example.com/health?x=1"), .punctuation(".")])
        #expect(kinds("call my /report endpoint") == [.word("call"), .word("my"), .path("/report"), .word("endpoint")])
        #expect(kinds("notes-api key-value") == [.slug("notes-api"), .slug("key-value")])
        #expect(kinds("say \"Hello, World\" and don't") == [.word("say"), .quoted("Hello, World"), .word("and"), .word("dont")])
        #expect(kinds("at 08:00 or 9:30pm or 8am Europe/Berlin UTC")
            == [.word("at"), .clock(hour: 8, minute: 0), .word("or"), .clock(hour: 21, minute: 30), .word("or"), .clock(hour: 8, minute: 0),
                .zone("Europe/Berlin"), .zone("UTC")])
    }
}
