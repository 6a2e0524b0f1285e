/// Where a run is. The raw values are what the database (its CHECK constraint) and the API say.
public enum RunStatus: String, Sendable, CaseIterable, CustomStringConvertible {
    case queued, running, succeeded, failed, cancelled

    public var description: String { rawValue }

    /// Succeeded, failed or cancelled: it will not run again (a re-run is a new run).
    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }

    /// How a run ends by itself; a cancelled run was ended by someone (`RunStore.cancel`).
    public enum Outcome: String, Sendable, Codable, CustomStringConvertible {
        case succeeded, failed
        public var status: RunStatus { self == .succeeded ? .succeeded : .failed }
        public var description: String { rawValue }
    }
}

/// Whether a workflow may run. The raw values are what the database (its CHECK constraint) and the API say.
public enum WorkflowStatus: String, Sendable, CaseIterable, CustomStringConvertible {
    case active, archived
    public var description: String { rawValue }
}
