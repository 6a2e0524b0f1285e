import CSQLite
import Foundation

/// How a SQLite connection waits for a lock another connection holds (another process on the same file: a CLI
/// command beside the server, or a test's second database).
///
/// SQLite's own busy timeout sleeps ever longer (up to 100 ms a try). A writer that commits and begins again at
/// once leaves the lock free for microseconds, so a waiter waking ten times a second can miss every gap and give
/// up while the other finishes hundreds of transactions. Short, even naps keep the waiter in the race; the budget
/// is measured on the clock, not counted in tries.
final class SQLiteBusyWait {
    /// How long a statement waits for a lock before it fails with `StoreError.busy`.
    static let budget: UInt64 = 10_000_000_000
    private var startedAt: UInt64 = 0

    /// Installs the handler on `handle`; `self` must outlive the connection's use of it (the connection keeps it).
    func install(on handle: OpaquePointer) {
        sqlite3_busy_handler(handle, { context, tries in
            guard let context else { return 0 }
            let wait = Unmanaged<SQLiteBusyWait>.fromOpaque(context).takeUnretainedValue()
            return wait.shouldRetry(tries: tries) ? 1 : 0
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// SQLite calls this with `tries` counting from 0 for each wait; a nonzero answer means "try again".
    private func shouldRetry(tries: Int32) -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        if tries == 0 { startedAt = now }
        guard now - startedAt < Self.budget else { return false }
        // 0.2 ms for the first tries (most locks are a single commit away), then 1 ms.
        usleep(tries < 20 ? 200 : 1_000)
        return true
    }
}
