import Core

/// Limits on what clients may send and how long they may take. Every limit answers with its own status.
public struct ServerLimits: Sendable {
    /// The request line (method, target, version); longer answers 414.
    public var maxRequestLineBytes = 8 * 1024
    /// The whole request head (request line and header fields); larger answers 431.
    public var maxHeaderBytes = 32 * 1024
    /// Header fields in one request; more answers 431.
    public var maxHeaderCount = 100
    /// A request body; larger answers 413.
    public var maxBodyBytes = 16 * 1024 * 1024
    /// Seconds from a request's first byte until its head is complete; slower answers 408.
    public var headerTimeout: Double = 10
    /// Seconds from the end of the head until the body is complete; slower answers 408.
    public var bodyTimeout: Double = 60
    /// Seconds a keep-alive connection may sit idle before it is closed.
    public var idleTimeout: Double = 75
    /// Seconds the peer may leave our output unread before the connection is dropped.
    public var writeTimeout: Double = 60
    /// Open connections across all event loops; more are answered 503 and closed.
    public var maxConnections = 10_000
    /// One WebSocket message (all its fragments); larger closes with 1009.
    public var maxWebSocketMessageBytes = 4 * 1024 * 1024
    /// A WebSocket the peer has been silent on this long gets a ping; one that stays silent as long again (no pong)
    /// is closed. Streams that only send now and then would otherwise hold dead peers' connections for ever.
    public var webSocketPingInterval: Double = 30
    /// A body forwarded by the reverse proxy: it streams, so it may be far larger than `maxBodyBytes`.
    public var maxProxyBodyBytes = 1 << 30
    /// Seconds the reverse proxy waits for a service's response head; slower answers 504.
    public var proxyResponseTimeout: Double = 60
    /// Seconds a relay to another replica may take to connect. A replica that does not even accept a connection
    /// that long is gone (powered off, cut off): its services are moving, so the answer is `503 service_moving`
    /// now rather than a 504 after `proxyResponseTimeout`.
    public var relayConnectTimeout: Double = RelayHeader.connectTimeout
    /// Idle keep-alive connections kept per service port and event loop.
    public var proxyIdlePerPort = 64
    /// Seconds graceful shutdown waits for in-flight requests before closing what is left.
    public var shutdownGrace: Double = 10

    public init() {}
}

public struct ServerConfiguration: Sendable {
    /// An IP literal (`127.0.0.1`, `::1`, `0.0.0.0`) or `localhost`.
    public var host: String
    /// 0 picks a free port; `HTTPServer.port` tells which.
    public var port: Int
    /// Event loops, each a thread with its own epoll and `SO_REUSEPORT` listener. Defaults to the core count.
    public var eventLoops: Int
    public var limits: ServerLimits

    public init(host: String = "127.0.0.1", port: Int = 0, eventLoops: Int? = nil, limits: ServerLimits = ServerLimits()) {
        self.host = host
        self.port = port
        self.eventLoops = max(1, eventLoops ?? System.coreCount)
        self.limits = limits
    }
}

public enum System {
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

#if canImport(Glibc)
import Glibc
#endif
