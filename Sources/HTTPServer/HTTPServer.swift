import CNetShim
import Core
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 and WebSocket server on non-blocking sockets: one epoll event loop per core.
public final class HTTPServer: Sendable {
    public let configuration: ServerConfiguration
    /// The port actually bound (differs from the configured one when that was 0).
    public let port: Int
    private let shared: ServerShared
    private let loops: [EventLoop]
    private let listenFD: Int32

    /// Binds the listeners and starts the loops. Throws `ServerError` when the address cannot be used.
    public init(configuration: ServerConfiguration, router: Router, logger: Logger) throws {
        self.configuration = configuration
        let host = configuration.host == "localhost" ? "127.0.0.1" : configuration.host
        shared = ServerShared(router: router, limits: configuration.limits, logger: logger,
                              requestIDPrefix: SecureRandom.hex(3))
        let fd = op_listen_tcp(host, Int32(configuration.port), 4096)
        if fd < 0 {
            switch -fd {
            case EADDRINUSE: throw ServerError.addressInUse(host: host, port: configuration.port)
            case EACCES: throw ServerError.permissionDenied(host: host, port: configuration.port)
            case EINVAL, EAFNOSUPPORT, EADDRNOTAVAIL: throw ServerError.badHost(configuration.host)
            default: throw ServerError.system("listen on \(host):\(configuration.port): \(String(cString: strerror(-fd)))")
            }
        }
        var loops: [EventLoop] = []
        do {
            for i in 0..<configuration.eventLoops {
                loops.append(try EventLoop(index: i, shared: shared, listenFD: fd))
            }
        } catch {
            Glibc.close(fd)
            throw error
        }
        listenFD = fd
        self.port = Int(op_local_port(fd))
        self.loops = loops
        for l in loops { l.start() }
    }

    public var openConnections: Int { shared.openConnections.load(ordering: .relaxed) }

    /// Graceful shutdown: stop accepting, close idle connections, let in-flight requests finish
    /// (their responses carry `Connection: close`), then close whatever remains after the grace period.
    public func shutdown() async {
        guard shared.setDraining() else { return }  // already shut down (or shutting down)
        await withTaskGroup(of: Void.self) { group in
            for l in loops {
                group.addTask { await withCheckedContinuation { cont in l.execute { l.beginDrain(); cont.resume() } } }
            }
        }
        Glibc.close(listenFD)  // every loop has dropped it from its epoll: no new connections from here on
        let deadline = Clock.monotonicNanos() + UInt64(configuration.limits.shutdownGrace * 1e9)
        while openConnections > 0 && Clock.monotonicNanos() < deadline {
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        let forced = openConnections
        if forced > 0 {
            shared.logger.warn("server.shutdown_forced", ["connections": "\(forced)"])
        }
        for l in loops { l.execute { l.stop(force: true) } }
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [loops] in
                for l in loops { l.waitUntilFinished() }
                cont.resume()
            }
        }
    }
}
