import Core

/// Where a service is in its life. The raw values are what the database and the API say.
public enum ServiceStatus: String, Sendable, CaseIterable, CustomStringConvertible {
    case stopped, deploying, running, crashed, archived
    public var description: String { rawValue }
}

/// What a service should be after a restart of the platform.
public enum DesiredState: String, Sendable, CaseIterable, CustomStringConvertible {
    case running, stopped
    public var description: String { rawValue }
}

/// A limit of `ServiceLimits` a service broke, with the sentence that says so.
public struct LimitBreach: Sendable, Equatable, CustomStringConvertible {
    public enum Limit: String, Sendable { case memory, cpu, openFiles, processes, dataSize }
    public let limit: Limit
    public let text: String
    public var description: String { text }

    public init(limit: Limit, text: String) {
        self.limit = limit
        self.text = text
    }
}

/// Why a service is not running. Decided by the supervisor as a value; `text` is what is stored in the `reason`
/// column and shown to people (the API's `reason`), and it reads exactly as before this type existed.
public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    /// It waits for these secrets; it starts once they are set.
    case missingSecrets([String])
    /// It exited too often in a row: how often, how the last exit went, its last lines of output.
    case crashed(times: Int, exit: String, lastOutput: [String])
    /// It never answered `GET /health` with 200 in time.
    case notReady(seconds: Int, lastOutput: [String])
    /// It broke one of its limits and stays down until changed or started again.
    case limitExceeded(LimitBreach)
    /// It exited and is being started again.
    case restarting(after: String)
    /// No port of the range was free.
    case noFreePort(ClosedRange<Int>)
    /// The platform could not launch it (the sandbox refused, no pipe, Deno would not start): the message says why.
    case launchFailed(String)
    /// Replicas share the store and the one asked runs as many services as it may (`--max-services`): a replica with
    /// room takes it on its next look.
    case noCapacity(Int)

    public var text: String {
        switch self {
        case .missingSecrets(let names):
            "missing secrets: \(names.joined(separator: ", ")). Set them with `openpieces secrets set NAME`."
        case .crashed(let times, let exit, let tail):
            "crashed \(times) times in a row (\(exit)). Last output:\n\(tail.joined(separator: "\n"))"
        case .notReady(let seconds, let tail):
            "GET /health did not answer 200 within \(seconds) s. Last output:\n\(tail.joined(separator: "\n"))"
        case .limitExceeded(let breach):
            breach.text
        case .restarting(let exit):
            "restarting after \(exit)"
        case .noFreePort(let range):
            "no free port in \(range)"
        case .launchFailed(let message):
            message
        case .noCapacity(let max):
            "waiting for a replica with room: this one runs its \(max) services (--max-services). It starts on the next replica with room; raise --max-services or add a replica."
        }
    }

    public var description: String { text }

    /// The secrets it waits for; empty for every other reason.
    public var missingSecrets: [String] {
        if case .missingSecrets(let names) = self { return names }
        return []
    }
}

/// How a `StopReason` is stored (`services.stop_reason`): an object with its `kind` and that kind's fields, so reading
/// it back gives the same value. Migration 29 wrote the reasons recorded before as prose in this form.
extension StopReason {
    var json: JSONValue {
        switch self {
        case .missingSecrets(let names):
            ["kind": "missingSecrets", "secrets": .array(names.map { .string($0) })]
        case .crashed(let times, let exit, let tail):
            ["kind": "crashed", "times": .number(Double(times)), "exit": .string(exit), "lastOutput": .array(tail.map { .string($0) })]
        case .notReady(let seconds, let tail):
            ["kind": "notReady", "seconds": .number(Double(seconds)), "lastOutput": .array(tail.map { .string($0) })]
        case .limitExceeded(let breach):
            ["kind": "limitExceeded", "limit": .string(breach.limit.rawValue), "text": .string(breach.text)]
        case .restarting(let exit):
            ["kind": "restarting", "after": .string(exit)]
        case .noFreePort(let range):
            ["kind": "noFreePort", "lower": .number(Double(range.lowerBound)), "upper": .number(Double(range.upperBound))]
        case .launchFailed(let message):
            ["kind": "launchFailed", "message": .string(message)]
        case .noCapacity(let max):
            ["kind": "noCapacity", "max": .number(Double(max))]
        }
    }

    /// The reason `json` describes; nil for an unknown kind or a missing field.
    init?(json: JSONValue) {
        func lines(_ key: String) -> [String]? {
            guard let items = json[key]?.array else { return nil }
            let strings = items.compactMap(\.string)
            return strings.count == items.count ? strings : nil
        }
        switch json["kind"]?.string {
        case "missingSecrets":
            guard let names = lines("secrets") else { return nil }
            self = .missingSecrets(names)
        case "crashed":
            guard let times = json["times"]?.int, let exit = json["exit"]?.string, let tail = lines("lastOutput") else { return nil }
            self = .crashed(times: times, exit: exit, lastOutput: tail)
        case "notReady":
            guard let seconds = json["seconds"]?.int, let tail = lines("lastOutput") else { return nil }
            self = .notReady(seconds: seconds, lastOutput: tail)
        case "limitExceeded":
            guard let limit = json["limit"]?.string.flatMap(LimitBreach.Limit.init(rawValue:)), let text = json["text"]?.string else { return nil }
            self = .limitExceeded(LimitBreach(limit: limit, text: text))
        case "restarting":
            guard let exit = json["after"]?.string else { return nil }
            self = .restarting(after: exit)
        case "noFreePort":
            guard let lower = json["lower"]?.int, let upper = json["upper"]?.int, lower <= upper else { return nil }
            self = .noFreePort(lower...upper)
        case "launchFailed":
            guard let message = json["message"]?.string else { return nil }
            self = .launchFailed(message)
        case "noCapacity":
            guard let max = json["max"]?.int else { return nil }
            self = .noCapacity(max)
        default:
            return nil
        }
    }
}
