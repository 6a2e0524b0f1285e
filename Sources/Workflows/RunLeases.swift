import Core
import Foundation
import Store

/// The queue side of runs: a worker claims a run with a lease it keeps renewing. A run whose lease ran out (its
/// worker died) is claimed again, so a run accepted before a crash is executed after it; a finish only counts for
/// the lease holder, so no run finishes twice.
extension RunStore {
    /// Claims the oldest runnable run: queued and due, or running under an expired lease. Replicas claiming at once
    /// take different runs (`SKIP LOCKED`), so any replica's workers take any run, each once.
    public func claim(owner: String, lease: TimeInterval, now: Date = Date()) throws -> RunRecord? {
        let at = Clock.iso8601(now)
        return try db.claim { conn in try conn.queryOne("""
            UPDATE runs SET status = 'running', lease_owner = ?1, lease_until = ?2, started = COALESCE(started, ?3),
                attempts = attempts + 1, not_before = NULL
            WHERE id = (SELECT id FROM runs
                        WHERE (status = 'queued' AND (not_before IS NULL OR not_before <= ?3)) OR (status = 'running' AND lease_until < ?3)
                        ORDER BY created LIMIT 1 \(conn.dialect.skipLocked))
            RETURNING *
            """, [owner, Clock.iso8601(now.addingTimeInterval(lease)), at]).map(RunStore.run) }
    }

    /// Extends the leases of `runs`, those `owner` is executing; answers the ids it still holds (a cancelled run, or
    /// one another replica took after the lease ran out, drops out). Only runs being executed are renewed: a run
    /// whose execution ended without being recorded (the store was unreachable) has its lease run out and is taken
    /// again, instead of being held for as long as this process lives.
    public func renew(owner: String, runs ids: Set<String>, lease: TimeInterval, now: Date = Date()) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let list = Array(ids)
        let marks = list.map { _ in "?" }.joined(separator: ", ")
        return try db.write { conn in
            try conn.execute("UPDATE runs SET lease_until = ? WHERE lease_owner = ? AND status = 'running' AND id IN (\(marks))",
                             [Clock.iso8601(now.addingTimeInterval(lease)), owner] + list)
            return Set(try conn.query("SELECT id FROM runs WHERE lease_owner = ? AND status = 'running' AND id IN (\(marks))", [owner] + list)
                .map { try $0.text("id") })
        }
    }

    /// Other replicas queue runs too: their doorbell does not ring here, so the queue looks every `Database.sharedPoll`.
    public var isShared: Bool { db.isShared }

    /// At start-up, the leases an earlier process of this node held are void: it is gone (one process per data
    /// directory). On SQLite that is every lease. On a shared store only this node's (owners `<node>/…`): the others
    /// are live replicas' work, and those of a replica that died for good run out and are claimed again.
    public func releaseLeases(ofNode node: String) throws -> Int {
        try db.write { conn in
            db.isShared
                ? try conn.execute("UPDATE runs SET status = 'queued', lease_owner = NULL, lease_until = NULL WHERE status = 'running' AND lease_owner LIKE ?",
                                   [node + "/%"])
                : try conn.execute("UPDATE runs SET status = 'queued', lease_owner = NULL, lease_until = NULL WHERE status = 'running'")
        }
    }

    /// Ends a run; false when `owner` no longer holds it (it was cancelled, or its lease was lost).
    @discardableResult
    public func finish(_ id: String, owner: String, status: RunStatus.Outcome, error: String?, report: String?) throws -> Bool {
        try db.write { try $0.execute("""
            UPDATE runs SET status = ?, finished = ?, error = ?, report = ?, lease_owner = NULL, lease_until = NULL
            WHERE id = ? AND lease_owner = ? AND status = 'running'
            """, [status.status.rawValue, Clock.iso8601Now(), error, report, id, owner]) > 0 }
    }

    /// Puts a run back in the queue, not to be claimed before `notBefore`.
    @discardableResult
    public func retryLater(_ id: String, owner: String, notBefore: Date, error: String) throws -> Bool {
        try db.write { try $0.execute("""
            UPDATE runs SET status = 'queued', not_before = ?, error = ?, lease_owner = NULL, lease_until = NULL
            WHERE id = ? AND lease_owner = ? AND status = 'running'
            """, [Clock.iso8601(notBefore), error, id, owner]) > 0 }
    }

    /// When the queue should look again: the earliest deferred retry or the earliest lease that will expire.
    public func nextWake() throws -> Date? {
        try db.read { conn in
            let row = try conn.queryOne("""
                SELECT MIN(t) AS t FROM (SELECT MIN(not_before) AS t FROM runs WHERE status = 'queued'
                                         UNION ALL SELECT MIN(lease_until) FROM runs WHERE status = 'running') AS w
                """)
            return try row?.optionalText("t").flatMap(Clock.date(iso8601:))
        }
    }
}

/// One recorded step of a run: a tool call with its input, output (size-capped), duration and status.
public struct RunStep: Sendable, Equatable {
    /// A step's outcome as stored (`run_steps.status`, its CHECK constraint) and shown.
    public enum Status: String, Sendable { case ok, error }

    public var seq: Int
    public var tool: String
    public var input: JSONValue
    public var output: String
    public var ok: Bool
    /// A failure worth retrying later (the service was down or answered 5xx): the run was deferred at this step.
    public var retryable: Bool
    public var started: String
    public var ms: Int

    public init(seq: Int, tool: String, input: JSONValue, output: String, ok: Bool, retryable: Bool, started: String, ms: Int) {
        self.seq = seq
        self.tool = tool
        self.input = input
        self.output = output
        self.ok = ok
        self.retryable = retryable
        self.started = started
        self.ms = ms
    }

    public var status: Status { ok ? .ok : .error }

    public var json: JSONValue {
        ["seq": JSONValue(seq), "tool": .string(tool), "input": input, "output": JSONValue.parse(output) ?? .string(output),
         "status": .string(status.rawValue), "retryable": .bool(retryable), "started": .string(started), "ms": JSONValue(ms)]
    }
}

extension RunStore {
    /// Outputs are kept to this size; the rest is cut with a marker.
    public static let maxStepOutput = 16 * 1024

    /// Records a step, numbered after the run's last one. Only the lease holder records.
    @discardableResult
    public func record(_ runID: String, owner: String, tool: String, input: JSONValue, output: String, ok: Bool, retryable: Bool,
                       started: String, ms: Int) throws -> RunStep? {
        var out = output
        if out.utf8.count > RunStore.maxStepOutput { out = String(decoding: Array(out.utf8.prefix(RunStore.maxStepOutput)), as: UTF8.self) + "…(cut)" }
        return try db.write { conn -> RunStep? in
            guard try conn.queryOne("SELECT 1 FROM runs WHERE id = ? AND lease_owner = ? AND status = 'running'", [runID, owner]) != nil else { return nil }
            let seq = (try conn.queryOne("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM run_steps WHERE run_id = ?", [runID])?.int("n")) ?? 1
            try conn.execute("""
                INSERT INTO run_steps(run_id, seq, tool, input, output, status, retryable, started, ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [runID, seq, tool, input.text, out, (ok ? RunStep.Status.ok : .error).rawValue, retryable, started, ms])
            return RunStep(seq: seq, tool: tool, input: input, output: out, ok: ok, retryable: retryable, started: started, ms: ms)
        }
    }

    public func steps(_ runID: String) throws -> [RunStep] {
        try db.read { try $0.query("SELECT * FROM run_steps WHERE run_id = ? ORDER BY seq", [runID]).map { r in
            RunStep(seq: try r.int("seq"), tool: try r.text("tool"), input: JSONValue.parse(try r.text("input")) ?? .null,
                    output: try r.text("output"), ok: try r.decode("status", as: RunStep.Status.self) == .ok, retryable: try r.bool("retryable"),
                    started: try r.text("started"), ms: try r.int("ms"))
        } }
    }
}
