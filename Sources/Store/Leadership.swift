import Core
import Foundation

/// One leader among the replicas sharing a store, for work that must run in one place (the scheduler). On PostgreSQL
/// the lease is a session advisory lock held on a connection of its own: it lasts while the connection does, so a
/// replica that dies (kill -9, a lost machine) lets go at once and another takes over at its next `check()`. On
/// SQLite the one process is always the leader.
public final class Leadership: Sendable {
    private let address: PostgresAddress?
    private let name: String
    private let state = Locked<(connection: PostgresConnection?, leading: Bool)>((nil, false))

    /// `name` tells leaderships apart (one lock each).
    public init(_ db: Database, name: String) {
        if case .postgres(let a) = db.location { address = a } else { address = nil }
        self.name = name
    }

    /// Whether this process leads now. A follower tries to take the lease; a leader makes sure it still holds it (its
    /// connection is alive). Blocking (one round trip): call it from the thread that does the leader's work.
    public func check() -> Bool {
        guard let address else { return true }
        return state.withLock { s in
            do {
                if s.connection == nil { s.connection = try PostgresConnection(address) }
                let sql = s.leading
                    ? "SELECT 1 AS held"
                    : "SELECT pg_try_advisory_lock(hashtext(?), hashtext(current_schema())) AS held"
                let row = try s.connection!.queryOne(sql, s.leading ? [] : [name])
                s.leading = try row?.bool("held") ?? false
            } catch {
                // The connection is gone, and the lease with it.
                s.connection = nil
                s.leading = false
            }
            return s.leading
        }
    }

    /// Other replicas may lead: a follower must keep asking, and a leader keep renewing.
    public var isShared: Bool { address != nil }

    /// Lets another replica lead (at shutdown). Unlocked before the connection closes: a closed session's locks are
    /// released only once its server process has exited, a moment later.
    public func resign() {
        state.withLock { s in
            if s.leading, let c = s.connection {
                _ = try? c.queryOne("SELECT pg_advisory_unlock(hashtext(?), hashtext(current_schema())) AS released", [name])
            }
            s.connection = nil
            s.leading = false
        }
    }
}
