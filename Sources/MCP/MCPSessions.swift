import Core
import Crypto
import Foundation

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

/// Every open MCP session, bounded: idle ones expire, and past the cap the least recently used one is dropped.
public final class MCPSessions: Sendable {
    public struct Limits: Sendable {
        public var maxSessions = 64
        /// A session without an open stream that has not been used for this long is forgotten.
        public var idleSeconds: Double = 30 * 60
        public init() {}
    }

    public let limits: Limits
    private let sessions = Locked<[String: MCPSession]>([:])

    public init(limits: Limits = Limits()) { self.limits = limits }

    public var count: Int { sessions.withLock { $0.count } }

    public func create(_ transport: MCPSession.Transport, owner: String?, now: Date = Date()) -> MCPSession {
        let session = MCPSession(transport: transport, owner: owner, now: now)
        let evicted = sessions.withLock { all -> [MCPSession] in
            var out: [MCPSession] = []
            for (id, s) in all where !s.hasStream && now.timeIntervalSince(s.lastSeen) > limits.idleSeconds {
                out.append(s)
                all.removeValue(forKey: id)
            }
            while all.count >= limits.maxSessions {
                // Prefer sessions nobody listens to; among them (or else among all) the least recently used.
                let pool = all.values.contains { !$0.hasStream } ? all.values.filter { !$0.hasStream } : Array(all.values)
                guard let oldest = pool.min(by: { $0.lastSeen < $1.lastSeen }) else { break }
                out.append(oldest)
                all.removeValue(forKey: oldest.id)
            }
            all[session.id] = session
            return out
        }
        for s in evicted { s.close() }
        return session
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
