import Core
import Foundation
import HTTPClient
import Store
import Synchronization

/// Model downloads: for a local runtime that pulls models (Ollama's `/api/pull`), with progress as
/// `ModelDownloadProgress` (`{status, percentage}`) to WebSocket subscribers; states persist in `model_states`.
/// A provider without a pull endpoint has nothing to download: the request completes at once.
final class ModelDownloads: Sendable {
    struct State: Sendable, Equatable {
        var status: String  // INITIALIZED, COMPLETED, FAILED, CANCELED
        var percentage: Double
        var downloaded: Bool
        var error: String?

        var isRunning: Bool { status == "INITIALIZED" }
        var progressJSON: JSONValue {
            var o: [String: JSONValue] = ["status": .string(status), "percentage": .number(percentage)]
            if let error { o["errorMessage"] = .string(error) }
            return .object(o)
        }
    }

    private let db: Database
    private let client = HTTPClient()
    private let logger: Logger?
    private let live = Locked<(states: [String: State], tasks: [String: Task<Void, Never>], watchers: [String: [UUID: AsyncStream<State>.Continuation]])>(([:], [:], [:]))

    init(db: Database, logger: Logger?) {
        self.db = db
        self.logger = logger
    }

    /// The current state: live if a download runs, else what was stored.
    func state(_ id: String) -> State? {
        if let s = live.withLock({ $0.states[id] }) { return s }
        let row = try? db.read { try $0.queryOne("SELECT * FROM model_states WHERE id = ?", [id]) }
        guard let r = row else { return nil }
        return State(status: r["status"].string ?? "UNKNOWN", percentage: r["percentage"].double ?? 0,
                     downloaded: r["downloaded"].bool ?? false, error: r["error"].string)
    }

    /// Starts pulling `modelName` from the runtime at `baseURL`; no-op while one runs.
    func start(id: String, modelName: String, baseURL: String?) {
        let begun = live.withLock { l -> Bool in
            if l.states[id]?.isRunning == true { return false }
            l.states[id] = State(status: "INITIALIZED", percentage: 0, downloaded: false, error: nil)
            return true
        }
        guard begun else { return }
        publish(id)
        let task = Task { await self.run(id: id, modelName: modelName, baseURL: baseURL) }
        live.withLock { $0.tasks[id] = task }
    }

    func cancel(_ id: String) {
        let task = live.withLock { $0.tasks[id] }
        task?.cancel()
    }

    /// Progress updates for `id`, starting with the current state, until a terminal one.
    func watch(_ id: String) -> AsyncStream<State> {
        let (stream, continuation) = AsyncStream<State>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let token = UUID()
        let current = state(id)
        live.withLock { $0.watchers[id, default: [:]][token] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.live.withLock { $0.watchers[id]?.removeValue(forKey: token) }
        }
        if let current {
            continuation.yield(current)
            if !current.isRunning { continuation.finish() }
        }
        return stream
    }

    private func run(id: String, modelName: String, baseURL: String?) async {
        do {
            guard let baseURL else { return await finish(id, State(status: "COMPLETED", percentage: 100, downloaded: true, error: nil)) }
            let root = baseURL.hasSuffix("/v1") ? String(baseURL.dropLast(3)) : baseURL
            let body = JSONValue.object(["model": .string(modelName), "stream": true]).bytes
            let response = try await client.stream(ClientRequest(method: "POST", url: root + "/api/pull", headers: [("Content-Type", "application/json")],
                                                                 body: body, timeout: 0, stallTimeout: 120))
            if response.status == 404 || response.status == 405 {
                // Not a pulling runtime: the provider serves the model as is.
                return await finish(id, State(status: "COMPLETED", percentage: 100, downloaded: true, error: nil))
            }
            guard response.status == 200 else {
                var text: [UInt8] = []
                for try await chunk in response.body where text.count < 4096 { text += chunk }
                let message = JSONValue.parse(text)?["error"]?.string ?? String(decoding: text.prefix(300), as: UTF8.self)
                return await finish(id, State(status: "FAILED", percentage: 0, downloaded: false, error: "the runtime refused the pull: \(message)"))
            }
            var pending: [UInt8] = []
            var lastStored = Date.distantPast
            for try await chunk in response.body {
                try Task.checkCancellation()
                pending += chunk
                while let nl = pending.firstIndex(of: 0x0A) {
                    let line = Array(pending[..<nl])
                    pending.removeFirst(nl + 1)
                    guard let event = JSONValue.parse(line) else { continue }
                    if let error = event["error"]?.string {
                        return await finish(id, State(status: "FAILED", percentage: 0, downloaded: false, error: error))
                    }
                    if event["status"]?.string == "success" {
                        return await finish(id, State(status: "COMPLETED", percentage: 100, downloaded: true, error: nil))
                    }
                    if let total = event["total"]?.double, total > 0, let done = event["completed"]?.double {
                        let pct = min(99.9, (done / total * 1000).rounded() / 10)
                        update(id) { $0.percentage = pct }
                        if Date().timeIntervalSince(lastStored) > 1 {  // progress persists, but at most once a second
                            lastStored = Date()
                            await store(id)
                        }
                    }
                }
            }
            await finish(id, State(status: "FAILED", percentage: 0, downloaded: false, error: "the runtime ended the pull without success"))
        } catch is CancellationError {
            await finish(id, State(status: "CANCELED", percentage: 0, downloaded: false, error: nil))
        } catch HTTPClientError.cancelled {
            await finish(id, State(status: "CANCELED", percentage: 0, downloaded: false, error: nil))
        } catch {
            await finish(id, State(status: "FAILED", percentage: 0, downloaded: false, error: String(describing: error)))
        }
    }

    private func update(_ id: String, _ change: (inout State) -> Void) {
        live.withLock { l in
            if var s = l.states[id] {
                change(&s)
                l.states[id] = s
            }
        }
        publish(id)
    }

    private func finish(_ id: String, _ final: State) async {
        live.withLock { l in
            l.states[id] = final
            l.tasks[id] = nil
        }
        await store(id)
        publish(id)
        let watchers = live.withLock { l -> [AsyncStream<State>.Continuation] in
            let w = Array((l.watchers[id] ?? [:]).values)
            l.watchers[id] = nil
            l.states[id] = nil  // the stored row is the truth from here on
            return w
        }
        // Outside the lock: finishing runs their onTermination, which takes the lock.
        for c in watchers { c.finish() }
        logger?.info("model.download_finished", ["model": id, "status": final.status, "error": final.error ?? ""])
    }

    /// Saves the state on the writer's thread: the download runs on the cooperative pool.
    private func store(_ id: String) async {
        guard let s = live.withLock({ $0.states[id] }) else { return }
        do { try await db.asyncWrite { try $0.execute("""
            INSERT INTO model_states(id, downloaded, status, percentage, error, updated) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET downloaded = excluded.downloaded, status = excluded.status, percentage = excluded.percentage,
                error = excluded.error, updated = excluded.updated
            """, [id, s.downloaded, s.status, s.percentage, s.error, PiecesTime.now()]) } } catch {
            logger?.error("model.state_not_saved", ["model": id, "error": "\(error)"])
        }
    }

    private func publish(_ id: String) {
        let (state, watchers) = live.withLock { ($0.states[id], Array(($0.watchers[id] ?? [:]).values)) }
        guard let state else { return }
        for w in watchers { w.yield(state) }
    }
}
