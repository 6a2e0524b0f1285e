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
        }
    }

    public var description: String { text }

    /// The secrets it waits for; empty for every other reason.
    public var missingSecrets: [String] {
        if case .missingSecrets(let names) = self { return names }
        return []
    }
}
