import Foundation

/// A unit of time a request can name: "1 s", "5 minutes", "an hour".
public enum TimeUnit: String, Sendable, Equatable, CaseIterable {
    case second, minute, hour, day, week

    public var seconds: Double {
        switch self {
        case .second: 1
        case .minute: 60
        case .hour: 3600
        case .day: 86400
        case .week: 604_800
        }
    }

    /// Units glued to a number: "1s", "10min", "2h" ("5m" could be metres, so it is not one).
    static func glued(_ suffix: String) -> TimeUnit? {
        switch suffix {
        case "s", "sec", "secs": .second
        case "min", "mins": .minute
        case "h", "hr", "hrs": .hour
        default: nil
        }
    }

    /// "s", "secs", "minute", "hrs", "days" (already singular and lowercased).
    static func named(_ word: String) -> TimeUnit? {
        switch word {
        case "s", "sec", "second": .second
        case "min", "minute": .minute
        case "h", "hr", "hrs", "hour": .hour
        case "d", "day": .day
        case "w", "week": .week
        default: nil
        }
    }
}

/// How a condition or filter compares: "over 100", "at most 5", ">= 3", "is paid".
public enum Comparator: String, Codable, Sendable, Equatable {
    case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<=", equal = "=", notEqual = "!="
}

/// One token of a request. `text` is as written; the kind carries what it means.
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A plain word, lowercased and made singular ("notes" → "note", "entries" → "entry", "increments" → "increment").
        case word(String)
        /// A hyphenated name, lowercased: "notes-api", "key-value".
        case slug(String)
        case number(Double)
        /// A number with a time unit: "1 s", "5 minutes", "2h", "an hour".
        case duration(Double, TimeUnit)
        /// A time of day: "08:00", "9:30pm", "8am".
        case clock(hour: Int, minute: Int)
        /// An IANA zone: "Europe/Berlin", "UTC".
        case zone(String)
        case url(String)
        /// "/report", "/counter/visits/increment".
        case path(String)
        /// Text between quotes, as written.
        case quoted(String)
        /// "over", "more than", "at least", ">=" (only before a number).
        case comparator(Comparator)
        /// "a", "an", "the".
        case article
        case punctuation(Character)
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }

    /// The word or slug it spells, lowercased and singular; "" for anything else.
    public var lemma: String {
        switch kind {
        case .word(let w), .slug(let w): w
        default: ""
        }
    }

    var isWordLike: Bool { if case .word = kind { true } else if case .slug = kind { true } else { false } }
    var isPunctuation: Bool { if case .punctuation = kind { true } else { false } }
    var number: Double? { if case .number(let n) = kind { n } else { nil } }
}
