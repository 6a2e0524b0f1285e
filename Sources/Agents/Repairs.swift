import Brain
import Core
import Foundation
import Services
import Store
import Synchronization

/// Auto-repair: a crashed service is handed to the code-generation agent (its own session) with the crash's
/// logs, a few times at most; every attempt is recorded, in the `repairs` table and in the Brain's history.
public final class Repairs: Sendable {
    public static let migrations: [Migration] = [
        Migration(9, "repairs", """
            CREATE TABLE repairs (
                id TEXT PRIMARY KEY,
                service TEXT NOT NULL,
                attempt INTEGER NOT NULL,
                started TEXT NOT NULL,
                finished TEXT,
                ok INTEGER,
                detail TEXT
            );
            CREATE INDEX repairs_service ON repairs(service, started);
            """),
    ]

    let db: Database
    let codegen: Codegen
    let brain: Brain
    let logger: Logger
    public let maxAttempts: Int
    private let active = Locked<Set<String>>([])

    public init(db: Database, codegen: Codegen, brain: Brain, logger: Logger, maxAttempts: Int = 3) {
        self.db = db
        self.codegen = codegen
        self.brain = brain
        self.logger = logger
        self.maxAttempts = maxAttempts
    }

    /// Starts a repair unless one runs for the service or its attempts are used up (per day).
    public func serviceCrashed(_ slug: String, reason: StopReason) {
        let claimed = active.withLock { $0.insert(slug).inserted }
        guard claimed else { return }
        Task {
            defer { _ = active.withLock { $0.remove(slug) } }
            await repair(slug, reason)
        }
    }

    public func attempts(_ slug: String) throws -> [JSONValue] {
        try db.read { try $0.query("SELECT * FROM repairs WHERE service = ? ORDER BY started", [slug]).map { r in
            ["id": .string(try r.text("id")), "attempt": JSONValue(try r.int("attempt")), "started": .string(try r.text("started")),
             "finished": JSONValue(try r.optionalText("finished")), "ok": try r.optionalBool("ok").map { .bool($0) } ?? .null,
             "detail": JSONValue(try r.optionalText("detail"))]
        } }
    }

    private func repair(_ slug: String, _ reason: StopReason) async {
        let since = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-86400))
        let used = (try? db.read { try $0.queryOne("SELECT COUNT(*) AS n FROM repairs WHERE service = ? AND started > ?", [slug, since])?.int("n") ?? 0 }) ?? 0
        guard used < maxAttempts else {
            logger.warn("repair.gave_up", ["service": slug, "attempts": "\(used)"])
            return
        }
        let id = UUID().uuidString.lowercased()
        do { try db.write { try $0.execute("INSERT INTO repairs(id, service, attempt, started) VALUES (?, ?, ?, ?)", [id, slug, used + 1, Clock.iso8601Now()]) } } catch { logger.error("repair.record_failed", ["service": slug, "error": "\(error)"]) }
        logger.info("repair.started", ["service": slug, "attempt": "\(used + 1)"])
        var ok = false
        var detail = ""
        do {
            let result = try await codegen.build(slug: slug, request: "It crashed and the platform could not keep it running. Find the cause in the code and fix it, then deploy. What the platform saw:\n\(reason.text)",
                                                 origin: .repair(repairID: id, session: nil))
            ok = true
            detail = result["summary"]?.string ?? "repaired"
        } catch let f as ToolFailure {
            detail = f.message
        } catch {
            detail = String(describing: error)
        }
        do { try db.write { try $0.execute("UPDATE repairs SET finished = ?, ok = ?, detail = ? WHERE id = ?", [Clock.iso8601Now(), ok, String(detail.prefix(4000)), id]) } } catch { logger.error("repair.record_failed", ["service": slug, "error": "\(error)"]) }
        _ = try? brain.write(kind: "history", text: "Auto-repair \(used + 1) of service \(slug) \(ok ? "succeeded" : "failed"): \(detail.prefix(500))",
                             tags: [slug, "repair"], source: "supervisor")
        logger.info("repair.finished", ["service": slug, "ok": "\(ok)"])
    }
}
