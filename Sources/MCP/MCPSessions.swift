import Core
import Crypto
import Foundation
import HTTPServer

/// What goes down a session's server→client stream.
public enum MCPOutbound: Sendable, Equatable {
    case message(String)
    /// An SSE comment, so a dead connection is noticed (the write fails) and proxies keep it open.
    case keepalive
}

/// One client's MCP session: the version agreed at `initialize`, who opened it, and the stream its notifications
/// (and, on the legacy SSE transport, every answer) go down.
public final class MCPSession: Sendable {
    public enum Transport: String, Sendable { case streamableHTTP = "streamable-http", sse }

    struct State {
        var protocolVersion: String?
        var initialized = false
        var lastSeen: Date
        var stream: AsyncStream<MCPOutbound>.Continuation?
        var streamToken: UUID?
        /// Messages sent while no stream was open (a client opens its GET stream just after initializing),
        /// delivered when one opens; bounded, oldest dropped.
        var pending: [String] = []
        /// Messages being answered in the background (the legacy transport answers over the stream).
        var inflight = 0
    }
    static let maxPending = 50

    public let id: String
    public let transport: Transport
    /// The credential that opened it (nil without one): only the same one may use it.
    public let owner: String?
    private let state: Locked<State>

    init(transport: Transport, owner: String?, now: Date = Date()) {
        id = SecureRandom.hex(16)
        self.transport = transport
        self.owner = owner
        state = Locked(State(lastSeen: now))
    }

    public var protocolVersion: String? { state.withLock { $0.protocolVersion } }
    public var isInitialized: Bool { state.withLock { $0.initialized } }
    var lastSeen: Date { state.withLock { $0.lastSeen } }
    var hasStream: Bool { state.withLock { $0.stream != nil } }

    /// Claims a slot for a background answer; false when `limit` are running already.
    func begin(limit: Int) -> Bool {
        state.withLock { s in
            guard s.inflight < limit else { return false }
            s.inflight += 1
            return true
        }
    }

    func finish() { state.withLock { $0.inflight -= 1 } }

    func touch(_ now: Date = Date()) { state.withLock { $0.lastSeen = now } }
    func agreed(_ version: String) { state.withLock { $0.protocolVersion = version } }
    func markInitialized() { state.withLock { $0.initialized = true } }

    /// Opens the server→client stream; one at a time, so a new one ends the previous.
    func openStream() -> AsyncStream<MCPOutbound> {
        let (stream, continuation) = AsyncStream<MCPOutbound>.makeStream(bufferingPolicy: .bufferingNewest(500))
        let token = UUID()
        let (old, pending) = state.withLock { s -> (AsyncStream<MCPOutbound>.Continuation?, [String]) in
            let o = s.stream, p = s.pending
            s.stream = continuation
            s.streamToken = token
            s.pending = []
            return (o, p)
        }
        old?.finish()
        for m in pending { continuation.yield(.message(m)) }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { s in
                if s.streamToken == token { s.stream = nil; s.streamToken = nil }
            }
        }
        return stream
    }

    /// Queues a message on the open stream, or keeps it for the next one; false when it had to wait.
    @discardableResult
    func send(_ message: JSONValue) -> Bool {
        let text = message.text
        let waiting = state.withLock { s -> Bool in
            guard s.stream == nil else { return false }
            s.pending.append(text)
            if s.pending.count > MCPSession.maxPending { s.pending.removeFirst() }
            return true
        }
        return waiting ? false : push(.message(text))
    }

    @discardableResult
    func push(_ item: MCPOutbound) -> Bool {
        guard let c = state.withLock({ $0.stream }) else { return false }
        if case .enqueued = c.yield(item) { return true }
        return false
    }

    func close() {
        let c = state.withLock { s -> AsyncStream<MCPOutbound>.Continuation? in
            let c = s.stream
            s.stream = nil
            s.streamToken = nil
            return c
        }
        c?.finish()
    }
}

/// Every open MCP session, bounded: idle ones expire; past an owner's cap its own least recently used one is
/// dropped; and when every slot is held by other owners' live sessions a new one is refused rather than pushing
/// theirs out, so one credential (or one local process) cannot end everyone else's sessions.
public final class MCPSessions: Sendable {
    public struct Limits: Sendable {
        /// Sessions of all owners together.
        public var maxSessions = 128
        /// Sessions of one owner (one API key; every credential-less local client counts as one owner).
        public var maxPerOwner = 32
        /// A session without an open stream that has not been used for this long is forgotten.
        public var idleSeconds: Double = 30 * 60
        public init() {}
    }

    public let limits: Limits
    private let sessions = Locked<[String: MCPSession]>([:])

    public init(limits: Limits = Limits()) { self.limits = limits }

    public var count: Int { sessions.withLock { $0.count } }

    /// A new session for `owner`; throws a 503 (with Retry-After) when the other owners' live sessions fill every slot.
    public func create(_ transport: MCPSession.Transport, owner: String?, now: Date = Date()) throws(HTTPError) -> MCPSession {
        let session = MCPSession(transport: transport, owner: owner, now: now)
        let (evicted, refused) = sessions.withLock { all -> ([MCPSession], HTTPError?) in
            var out: [MCPSession] = []
            for (id, s) in all where !s.hasStream && now.timeIntervalSince(s.lastSeen) > limits.idleSeconds {
                out.append(s)
                all.removeValue(forKey: id)
            }
            // Make room among the owner's own sessions: past its cap, or when all slots are taken.
            while true {
                let own = all.values.filter { $0.owner == owner }
                guard own.count >= limits.maxPerOwner || all.count >= limits.maxSessions,
                      let oldest = MCPSessions.leastValuable(own) else { break }
                out.append(oldest)
                all.removeValue(forKey: oldest.id)
            }
            guard all.count < limits.maxSessions else { return (out, self.refusal(all.values, now: now)) }
            all[session.id] = session
            return (out, nil)
        }
        for s in evicted { s.close() }
        if let refused { throw refused }
        return session
    }

    /// The one to drop first: sessions nobody listens to before listened ones; among them the least recently used.
    static func leastValuable(_ pool: [MCPSession]) -> MCPSession? {
        let quiet = pool.filter { !$0.hasStream }
        return (quiet.isEmpty ? pool : quiet).min { $0.lastSeen < $1.lastSeen }
    }

    /// Full of other owners' live sessions: when the first idle one will expire (else a minute) is when to retry.
    func refusal(_ others: Dictionary<String, MCPSession>.Values, now: Date) -> HTTPError {
        let expiries = others.filter { !$0.hasStream }.map { limits.idleSeconds - now.timeIntervalSince($0.lastSeen) }
        let wait = max(1, Int((expiries.min() ?? 60).rounded(.up)))
        return HTTPError(503, code: "too_many_sessions",
                         message: "All \(limits.maxSessions) MCP sessions are in use by other clients. Retry in \(wait) s; "
                             + "clients that are done should end their sessions (DELETE /mcp with the Mcp-Session-Id, or close the SSE stream).",
                         headers: [("Retry-After", "\(wait)")])
    }

    /// The session, if it exists and belongs to `owner`; using it keeps it alive.
    public func get(_ id: String, owner: String?) -> MCPSession? {
        guard let s = sessions.withLock({ $0[id] }), s.owner == owner else { return nil }
        s.touch()
        return s
    }

    @discardableResult
    public func remove(_ id: String) -> Bool {
        guard let s = sessions.withLock({ $0.removeValue(forKey: id) }) else { return false }
        s.close()
        return true
    }

    /// Sends a notification to every initialized session with an open stream.
    public func broadcast(_ message: JSONValue) {
        for s in sessions.withLock({ Array($0.values) }) where s.isInitialized { s.send(message) }
    }

    /// Ends every stream (the server is stopping).
    public func closeAll() {
        for s in sessions.withLock({ a -> [MCPSession] in let v = Array(a.values); a.removeAll(); return v }) { s.close() }
    }
}
