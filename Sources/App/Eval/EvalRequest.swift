import Core
import Foundation

/// One request of the suite (`eval/requests/<name>.json`): what the user says, and the checks that decide, against what
/// was built, whether it was done. Checks look at behaviour (HTTP answers, stored objects, runs), never at the reply's words.
struct EvalRequest: Decodable, Sendable {
    var name: String
    /// The user's messages, sent one after another in one chat.
    var messages: [String]
    var checks: [Check]

    enum CodingKeys: String, CodingKey { case name, messages, checks }

    init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        messages = try c.decode([String].self, forKey: .messages)
        checks = try c.decode([Check].self, forKey: .checks)
        guard !messages.isEmpty else { throw DecodingError.dataCorruptedError(forKey: .messages, in: c, debugDescription: "at least one message") }
        guard !checks.isEmpty else { throw DecodingError.dataCorruptedError(forKey: .checks, in: c, debugDescription: "at least one check") }
    }

    static func load(_ path: String) throws -> EvalRequest {
        guard let data = FileManager.default.contents(atPath: path) else { throw EvalError("cannot read \(path)") }
        do {
            var r = try JSONDecoder().decode(EvalRequest.self, from: data)
            if r.name.isEmpty { r.name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension }
            return r
        } catch let e as DecodingError {
            throw EvalError("\(path): \(EvalError.describe(e))")
        }
    }
}

/// Picks one service of what was built: by slug, kind, and/or an endpoint it declares ("POST" or "GET /notes/:id").
struct ServiceSelector: Decodable, Sendable, CustomStringConvertible {
    var slug: String?
    var kind: String?
    var endpoint: String?

    var description: String {
        let parts = [slug.map { "slug \($0)" }, kind.map { "kind \($0)" }, endpoint.map { "endpoint \($0)" }].compactMap { $0 }
        return parts.isEmpty ? "any service" : parts.joined(separator: ", ")
    }
}

/// Picks one workflow: by slug, or the one a selected trigger starts, else the only one.
struct WorkflowSelector: Decodable, Sendable {
    var slug: String?
    var trigger: ServiceSelector?
}

/// Which of a service's public addresses a call uses.
enum ServiceAddress: String, Decodable, Sendable {
    /// The service's own origin (`<slug>.localhost:<port>` or `<slug>.<service domain>`): what people are given.
    case url
    /// `<public URL>/s/<slug>/`: the path form programs may use.
    case pathUrl
}

/// An HTTP exchange with a built service.
struct HTTPCall: Decodable, Sendable {
    var service: ServiceSelector?
    /// Default: `url`.
    var via: ServiceAddress?
    var method: String?
    /// A path on the service (`{var}` replaced by captured values), or…
    var path: String?
    /// …the service's one endpoint with this method (and no path parameters), as it declared it; or…
    var endpoint: String?
    /// …an absolute URL (usually a captured one, e.g. a short link).
    var url: String?
    var body: JSONValue?
    var headers: [String: String]?
    var expect: HTTPExpectation?
    /// Values to remember for later checks: name → a dotted path into the JSON answer (`id`, `items.0.id`), or `$url`
    /// for the first absolute URL anywhere in it.
    var capture: [String: String]?
}

struct HTTPExpectation: Decodable, Sendable {
    /// An exact status, or a class written "2xx", "3xx", "4xx".
    var status: StatusExpectation?
    /// The answer is JSON and holds this subset at its top.
    var json: JSONValue?
    /// Some object anywhere in the JSON answer holds this subset.
    var jsonAny: JSONValue?
    /// No object anywhere in the JSON answer holds this subset.
    var jsonNone: JSONValue?
    /// The answer is a JSON list with this many items (at the top or under `items`/the only list field).
    var count: Int?
    var header: HeaderExpectation?
    /// The URL called (a captured one) lies under the selected service's public URL.
    var urlUnderService: Bool?
    /// The error envelope `{"error":{"code","message"}}`.
    var errorEnvelope: Bool?
}

enum StatusExpectation: Decodable, Sendable, CustomStringConvertible {
    case exact(Int)
    case family(Int)

    init(from d: Decoder) throws {
        let c = try d.singleValueContainer()
        if let n = try? c.decode(Int.self) { self = .exact(n); return }
        let s = try c.decode(String.self)
        guard s.count == 3, s.hasSuffix("xx"), let f = Int(String(s.first!)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "status is a number or \"2xx\"…")
        }
        self = .family(f)
    }

    func matches(_ status: Int) -> Bool {
        switch self {
        case .exact(let n): status == n
        case .family(let f): status / 100 == f
        }
    }

    var description: String {
        switch self {
        case .exact(let n): "\(n)"
        case .family(let f): "\(f)xx"
        }
    }
}

struct HeaderExpectation: Decodable, Sendable {
    var name: String
    var equals: String?
    var startsWith: String?
    /// The header's value starts with the service's public URL (what `url` of the service says).
    var startsWithServiceURL: Bool?
}

struct ServiceExpectation: Decodable, Sendable {
    var kind: String?
    var status: String?
    /// Each "METHOD /path" is declared (path parameters in any name).
    var endpoints: [String]?
    var minVersion: Int?
}

struct WorkflowExpectation: Decodable, Sendable {
    var hasTrigger: Bool?
    var minSteps: Int?
    /// Services it links, each picked by a selector.
    var actions: [ServiceSelector]?
    /// Finished runs so far: at least this many, all of `runStatus`.
    var minRuns: Int?
    var runStatus: String?
}

struct TaskExpectation: Decodable, Sendable {
    var timezone: String?
    var enabled: Bool?
    /// The next run, read in `timezone`, falls at this local time ("08:00") …
    var nextLocalTime: String?
    /// … on one of these weekdays (1 = Monday … 7 = Sunday).
    var nextWeekdays: [Int]?
    /// … on this day of the month.
    var nextDay: Int?
}

struct RunExpectation: Decodable, Sendable {
    var status: String?
    /// Successful endpoint calls made by the run: exactly this many.
    var calls: Int?
    /// At least one successful call used this method ("POST") or "METHOD /path".
    var called: String?
    /// No successful call did (reads such as GET are allowed when this says "POST").
    var notCalled: String?
}

/// One check. Decoded by its `kind`.
enum Check: Decodable, Sendable {
    case http(HTTPCall)
    case service(ServiceSelector, ServiceExpectation)
    case workflow(WorkflowSelector, WorkflowExpectation)
    case task(WorkflowSelector?, TaskExpectation)
    /// Start a run (manually with `input`, or by an HTTP call to a trigger) and wait for it to finish.
    case run(WorkflowSelector?, input: JSONValue?, http: HTTPCall?, RunExpectation)
    /// The service waits for `secret`; once it is set through the API the service runs.
    case secretRequested(ServiceSelector, secret: String, value: String)

    enum Keys: String, CodingKey { case kind, service, expect, workflow, input, http, secret, value }

    init(from d: Decoder) throws {
        let c = try d.container(keyedBy: Keys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        func expect<T: Decodable>(_ t: T.Type) throws -> T { try c.decodeIfPresent(T.self, forKey: .expect) ?? JSONDecoder().decode(T.self, from: Data("{}".utf8)) }
        switch kind {
        case "http": self = .http(try HTTPCall(from: d))
        case "service": self = .service(try c.decodeIfPresent(ServiceSelector.self, forKey: .service) ?? ServiceSelector(), try expect(ServiceExpectation.self))
        case "workflow": self = .workflow(try c.decodeIfPresent(WorkflowSelector.self, forKey: .workflow) ?? WorkflowSelector(), try expect(WorkflowExpectation.self))
        case "task": self = .task(try c.decodeIfPresent(WorkflowSelector.self, forKey: .workflow), try expect(TaskExpectation.self))
        case "run":
            self = .run(try c.decodeIfPresent(WorkflowSelector.self, forKey: .workflow), input: try c.decodeIfPresent(JSONValue.self, forKey: .input),
                        http: try c.decodeIfPresent(HTTPCall.self, forKey: .http), try expect(RunExpectation.self))
        case "secretRequested":
            self = .secretRequested(try c.decodeIfPresent(ServiceSelector.self, forKey: .service) ?? ServiceSelector(),
                                    secret: try c.decode(String.self, forKey: .secret), value: try c.decodeIfPresent(String.self, forKey: .value) ?? "eval-secret-value")
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown check kind '\(kind)' (http, service, workflow, task, run, secretRequested)")
        }
    }

    /// A short name for the table and progress lines.
    var label: String {
        switch self {
        case .http(let h): h.endpoint.map { "http (the \($0) endpoint)" } ?? "http \(h.method ?? "GET") \(h.path ?? h.url ?? "/")"
        case .service(let s, _): "service (\(s))"
        case .workflow: "workflow"
        case .task: "task"
        case .run(_, _, let http, _): http == nil ? "run" : "run via trigger"
        case .secretRequested(_, let name, _): "secret \(name)"
        }
    }
}

struct EvalError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }

    static func describe(_ e: DecodingError) -> String {
        func at(_ path: [CodingKey]) -> String { path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch e {
        case .keyNotFound(let k, let ctx): return "missing '\(k.stringValue)' at \(at(ctx.codingPath))"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx): return "\(ctx.debugDescription) at \(at(ctx.codingPath))"
        @unknown default: return "\(e)"
        }
    }
}
