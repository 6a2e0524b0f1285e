import Scheduling

// What a request asks for, as values: the offline generator builds from these, and a stored spec is what a
// change ("add a field priority to notes-api") applies to.

public enum FieldType: String, Codable, Sendable, Equatable {
    case text, number, boolean, url, datetime
}

/// A literal in a request: a default, a condition's value.
public enum Value: Codable, Sendable, Equatable {
    case text(String)
    case number(Double)
    case boolean(Bool)
}

public struct Field: Codable, Sendable, Equatable {
    public var name: String
    public var type: FieldType
    public var required: Bool
    public var defaultValue: Value?
    /// Names this field had in earlier versions (a rename), so the generated store moves the column, data and all.
    public var previousNames: [String]

    public init(_ name: String, _ type: FieldType = .text, required: Bool = false, default defaultValue: Value? = nil, previousNames: [String] = []) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.previousNames = previousNames
    }
}

/// Which rows a list, count or filter keeps.
public enum Filter: Codable, Sendable, Equatable {
    /// A boolean field is true or false: "the open ones", "the completed ones".
    case flag(String, Bool)
    /// "price over 10", "rating at least 4".
    case compare(String, Comparator, Double)
    /// By a value given when calling: "filter by category".
    case byField(String)
}

public enum Operation: Codable, Sendable, Equatable {
    case create, list, read, update, delete
    case search(field: String)
    case filter(Filter)
    /// nil counts every row.
    case count(Filter?)
    case sum(field: String)

    public static let crud: [Operation] = [.create, .list, .read, .update, .delete]
}

public enum CounterStep: String, Codable, Sendable, Equatable {
    case increment, decrement, reset
}

public struct CounterSpec: Codable, Sendable, Equatable {
    public var start: Int
    public var steps: [CounterStep]
    public init(start: Int = 0, steps: [CounterStep] = [.increment, .reset]) {
        self.start = start
        self.steps = steps
    }
}

public enum TextStatistic: String, Codable, Sendable, Equatable, CaseIterable {
    case words, characters, lines, sentences
}

public enum TextTransform: String, Codable, Sendable, Equatable {
    case slugify, changeCase
}

public enum Quantity: String, Codable, Sendable, Equatable, CaseIterable {
    case temperature, length, mass, currency
}

public struct LookupEntry: Codable, Sendable, Equatable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

public enum Behaviour: Codable, Sendable, Equatable {
    /// A boolean field that can be set and cleared: "mark done", "tick off", "complete".
    case toggle(field: String)
    /// Rows or keys disappear after a lifetime; nil when each write gives its own.
    case expiry(seconds: Double?)
    case counter(CounterSpec)
    /// Stores values by a key the caller chooses.
    case keyValue
    /// GET /:code answers with this redirect status.
    case redirect(status: Int)
    /// Each row gets a short generated code.
    case shortCodes(length: Int)
    case textStatistics([TextStatistic])
    case textTransforms([TextTransform])
    case unitConversion([Quantity])
    /// A fixed table, read by key; entries given in the request, if any.
    case lookupTable(key: String, value: String, entries: [LookupEntry])
    /// Checks a URL when called and records each result.
    case check(url: String)
    /// Fetches a URL when called and records each answer (what a scheduled fetch calls).
    case fetch(url: String)
    /// A trigger service: accepts events at POST /webhook that carry its secret (or sign the body with it) and hands
    /// each to its workflow. Not parsed from a request: the orchestrator adds it for an event request.
    case webhookReceiver
    /// Rows keep every field sent, beyond the typed ones: a store for events whose shape is not known in advance.
    case documents
}

public struct Resource: Codable, Sendable, Equatable {
    /// Singular: "note".
    public var name: String
    public var fields: [Field]
    public var operations: [Operation]
    public var behaviours: [Behaviour]
    /// Fields removed by a change: their columns stay, values and all. Added back with the same kind, a field gets
    /// its values back; its name is never given to a field of another kind, or to a renamed one.
    public var retiredFields: [Field]

    public init(_ name: String, fields: [Field], operations: [Operation] = Operation.crud, behaviours: [Behaviour] = [], retiredFields: [Field] = []) {
        self.name = name
        self.fields = fields
        self.operations = operations
        self.behaviours = behaviours
        self.retiredFields = retiredFields
    }
}

public struct ServiceSpec: Codable, Sendable, Equatable {
    /// The slug it is deployed under: "notes-api", "counter".
    public var name: String
    public var resources: [Resource]
    /// Behaviours of the service as a whole (counter, key-value, converter, text tools, lookup, check).
    public var behaviours: [Behaviour]

    public init(_ name: String, resources: [Resource] = [], behaviours: [Behaviour] = []) {
        self.name = name
        self.resources = resources
        self.behaviours = behaviours
    }
}

/// An endpoint of a service that exists (or will): by service name, by path, or both.
public struct EndpointRef: Sendable, Equatable {
    public var service: String?
    public var method: String?
    public var path: String?
    public init(service: String? = nil, method: String? = nil, path: String? = nil) {
        self.service = service
        self.method = method
        self.path = path
    }
}

/// "total is over 100", "status is paid".
public struct Condition: Sendable, Equatable {
    public var field: String
    public var comparator: Comparator
    public var value: Value
    public init(_ field: String, _ comparator: Comparator, _ value: Value) {
        self.field = field
        self.comparator = comparator
        self.value = value
    }
}

public enum EventTarget: Sendable, Equatable {
    /// "save it to orders": into that store (made if none exists).
    case save(to: String)
    /// "call notes-api POST /notes".
    case call(EndpointRef)
    /// The receiver keeps each submission and lists them.
    case keep
}

public struct EventSpec: Sendable, Equatable {
    /// The webhook's name: "orders" for "my orders webhook".
    public var trigger: String
    /// What one event is: "order" in "receives an order".
    public var payload: String?
    public var conditions: [Condition]
    /// Empty: each event is only reported.
    public var targets: [EventTarget]

    public init(trigger: String, payload: String? = nil, conditions: [Condition] = [], targets: [EventTarget] = []) {
        self.trigger = trigger
        self.payload = payload
        self.conditions = conditions
        self.targets = targets
    }
}

public enum ScheduledAction: Sendable, Equatable {
    /// Check a URL (is it up, how fast); keepLog when the request asks for a log or history.
    case check(url: String, keepLog: Bool)
    /// Fetch a URL and record the answer.
    case fetch(url: String)
    case call(EndpointRef)
}

public struct ScheduledSpec: Sendable, Equatable {
    public var schedule: SchedulePhrase.Parsed
    public var action: ScheduledAction
    public init(_ schedule: SchedulePhrase.Parsed, _ action: ScheduledAction) {
        self.schedule = schedule
        self.action = action
    }
}

public enum Change: Codable, Sendable, Equatable {
    case addField(Field)
    case removeField(String)
    case renameField(from: String, to: String)
    case setCounterStart(Int)
    case addBehaviour(Behaviour)
    case addOperation(Operation)
}

/// A change to a service built before, applied to its stored spec.
public struct ChangeSpec: Codable, Sendable, Equatable {
    public var service: String
    public var changes: [Change]
    public init(_ service: String, _ changes: [Change]) {
        self.service = service
        self.changes = changes
    }
}

public enum Intent: Sendable, Equatable {
    case service(ServiceSpec)
    case event(EventSpec)
    case scheduled(ScheduledSpec)
    case change(ChangeSpec)
}

/// A part of the request that was not understood, reported rather than dropped.
public struct Unknown: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// A word that fits nothing.
        case word
        /// A field whose kind of value cannot be stored (a photo, a file, a list).
        case field
        /// Something the service would have to do that the offline engine cannot (send email, log in).
        case behaviour
    }
    public var kind: Kind
    public var text: String
    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }
}

public struct ParseResult: Sendable, Equatable {
    /// nil when no family fits.
    public var intent: Intent?
    /// What was understood, one short line each, for the answer.
    public var understood: [String]
    public var unknown: [Unknown]
    /// When something was not understood: the closest request the engine can do, as a sentence to send.
    public var closest: String?

    /// Every part of the request was understood: safe to build.
    public var isComplete: Bool { intent != nil && unknown.isEmpty }
}
