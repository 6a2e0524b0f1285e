import CNetShim
import Core
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One thread, one epoll instance, watching the server's listener with `EPOLLEXCLUSIVE` (one loop woken per connection). Connections live on exactly one loop and are
/// touched only by its thread; other threads reach them by posting closures with `execute`.
final class EventLoop: @unchecked Sendable {
    let index: Int
    let shared: ServerShared
    private let epfd: Int32
    private let wakeFD: Int32
    private(set) var listenFD: Int32
    private var listenerPaused = false
    private let queue = Locked(WorkQueue())
    private let finished = DispatchSemaphore(value: 0)
    /// The thread that may touch what follows (checked in debug builds: `assertInEventLoop`).
    let owner = LoopOwner()

    var connections: [Int32: Connection] = [:]
    /// Reverse-proxy connections to services, and the idle ones kept per port for reuse.
    var upstreams: [Int32: Upstream] = [:]
    private var idleUpstreams: [UpstreamAddress: [Upstream]] = [:]
    /// Monotonic time of the current iteration.
    private(set) var now: UInt64 = Clock.monotonicNanos()
    private var nextSweep: UInt64 = 0
    private var stopRequested = false
    private var nextConnectionID: UInt64 = 0
    private var requestCounter: UInt64 = 0
    /// Read buffer shared by every connection of this loop.
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    private(set) var dateLine: [UInt8] = []
    private var dateSecond = -1

    init(index: Int, shared: ServerShared, listenFD: Int32) throws {
        self.index = index
        self.shared = shared
        self.listenFD = listenFD
        epfd = op_epoll_create()
        wakeFD = op_eventfd()
        guard epfd >= 0, wakeFD >= 0 else { throw ServerError.system("epoll/eventfd: \(String(cString: strerror(errno)))") }
        _ = op_epoll_add(epfd, wakeFD, UInt32(OP_EPOLLIN), UInt64(UInt32(bitPattern: wakeFD)))
        watchListener()
        refreshDate()
    }

    deinit {
        scratch.deallocate()
    }

    func start() {
        let thread = Thread { [self] in
            self.run()
            self.finished.signal()
        }
        thread.name = "op-loop-\(index)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `work` on this loop's thread soon. Safe from any thread.
    func execute(_ work: @escaping @Sendable () -> Void) {
        enum Outcome { case queuedFirst, queued, loopEnded }
        let outcome = queue.withLock { q -> Outcome in
            if q.ended { return .loopEnded }
            q.items.append(work)
            return q.items.count == 1 ? .queuedFirst : .queued
        }
        switch outcome {
        // The loop swaps the whole queue out; if it was empty, nobody has signalled this batch yet.
        case .queuedFirst: _ = op_eventfd_signal(wakeFD)
        case .queued: break
        // The loop thread is gone and its connections with it: run here so waiters learn the connection closed.
        case .loopEnded: work()
        }
    }

    func waitUntilFinished() { finished.wait() }

    // MARK: the loop

    private func run() {
        var events = [UInt32](repeating: 0, count: 256)
        var data = [UInt64](repeating: 0, count: 256)
        owner.claim()
        while true {
            let timeout: Int32 = connections.isEmpty && !listenerPaused ? 1000 : 50
            let n = op_epoll_wait(epfd, &events, &data, 256, timeout)
            now = Clock.monotonicNanos()
            if n < 0, errno != EINTR {
                shared.logger.error("loop.epoll_failed", ["loop": "\(index)", "errno": "\(errno)"])
            }
            for i in 0..<max(0, Int(n)) {
                let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: data[i]))
                let ev = events[i]
                if fd == wakeFD {
                    _ = op_eventfd_drain(wakeFD)
                    runQueued()
                } else if fd == listenFD {
                    acceptConnections()
                } else if let u = upstreams[fd] {
                    u.onEvent(ev)
                } else if let c = connections[fd] {
                    if ev & UInt32(OP_EPOLLERR) != 0 { c.close(); continue }
                    if ev & UInt32(OP_EPOLLIN | OP_EPOLLHUP | OP_EPOLLRDHUP) != 0 { c.onReadable() }
                    // HUP: both directions are gone, and epoll reports it on every wait. Nothing more can be sent.
                    if ev & UInt32(OP_EPOLLHUP) != 0 { c.close(); continue }
                    if ev & UInt32(OP_EPOLLOUT) != 0, c.isOpen { c.onWritable() }
                }
            }
            if now >= nextSweep {
                sweep()
                nextSweep = now + 50_000_000
            }
            if stopRequested {
                runQueued()
                if connections.isEmpty { break }
            }
        }
        let leftover = queue.withLock { q -> [@Sendable () -> Void] in
            owner.release()  // from here, `execute` runs work on its caller's thread
            q.ended = true
            return q.items
        }
        for w in leftover { w() }
        Glibc.close(epfd)
        Glibc.close(wakeFD)
    }

    private func runQueued() {
        let work = queue.withLock { q -> [@Sendable () -> Void] in
            let w = q.items
            q.items.removeAll(keepingCapacity: true)
            return w
        }
        for w in work { w() }
    }

    private func acceptConnections() {
        for _ in 0..<256 {
            let fd = op_accept(listenFD)
            if fd < 0 {
                if errno == EMFILE || errno == ENFILE {
                    // Out of descriptors: stop accepting for a moment instead of spinning on a readable listener.
                    shared.logger.warn("server.accept_paused", ["reason": "too many open files", "fix": "raise ulimit -n"])
                    _ = op_epoll_del(epfd, listenFD)
                    listenerPaused = true
                }
                return
            }
            _ = op_set_nodelay(fd)
            nextConnectionID &+= 1
            let c = Connection(fd: fd, id: nextConnectionID, loop: self)
            connections[fd] = c
            _ = op_epoll_add(epfd, fd, UInt32(OP_EPOLLIN | OP_EPOLLRDHUP), UInt64(UInt32(bitPattern: fd)))
            let open = shared.openConnections.add(1, ordering: .relaxed).newValue
            if open > shared.limits.maxConnections || shared.isDraining {
                c.reject()
            }
        }
    }

    /// Timeouts, the Date header, and resuming a paused listener.
    private func sweep() {
        refreshDate()
        if listenerPaused, listenFD >= 0, !stopRequested {
            listenerPaused = false
            watchListener()
        }
        for c in connections.values where c.deadline != 0 && now >= c.deadline {
            c.onTimeout()
        }
        // Idle upstream connections go after 30 s.
        for list in idleUpstreams.values {
            for u in list where now - u.idleSince > 30_000_000_000 { u.close() }
        }
    }

    private func watchListener() {
        _ = op_epoll_add(epfd, listenFD, UInt32(OP_EPOLLIN | OP_EPOLLEXCLUSIVE), UInt64(UInt32(bitPattern: listenFD)))
    }

    func setInterest(_ fd: Int32, mask: Int) {
        assertInEventLoop()
        _ = op_epoll_mod(epfd, fd, UInt32(mask), UInt64(UInt32(bitPattern: fd)))
    }

    /// A keep-alive connection to `address`: a pooled one still alive, else a new one.
    func acquireUpstream(_ address: UpstreamAddress) -> Upstream? {
        assertInEventLoop()
        // Mutated in place through the dictionary: copying the list out would copy (and retain) every pooled connection.
        while let u = idleUpstreams[address]?.popLast() {
            // A pooled connection the service closed is noticed by epoll (it stays readable-watched); the peek is
            // for the ones idle long enough for that to have raced with this request.
            if now - u.idleSince < 1_000_000_000 || op_is_idle_alive(u.fd) == 1 { return u }
            u.close()
        }
        let fd = address.ip.map { op_connect_nonblock($0, Int32(address.port)) } ?? op_connect_loopback_nonblock(Int32(address.port))
        guard fd >= 0 else { return nil }
        let u = Upstream(fd: fd, address: address, loop: self)
        upstreams[fd] = u
        _ = op_epoll_add(epfd, fd, UInt32(OP_EPOLLIN | OP_EPOLLRDHUP), UInt64(UInt32(bitPattern: fd)))
        return u
    }

    func releaseUpstream(_ u: Upstream) {
        assertInEventLoop()
        u.exchange = nil
        guard (idleUpstreams[u.address]?.count ?? 0) < shared.limits.proxyIdlePerPort else { u.close(); return }
        u.idleSince = now
        u.setReading(true)  // an idle upstream that becomes readable has closed (or misbehaves): it is dropped
        idleUpstreams[u.address, default: []].append(u)
    }

    func forgetUpstream(_ u: Upstream) {
        assertInEventLoop()
        _ = op_epoll_del(epfd, u.fd)
        upstreams[u.fd] = nil
        if let i = idleUpstreams[u.address]?.firstIndex(where: { $0 === u }) { idleUpstreams[u.address]?.remove(at: i) }
    }

    func forget(_ c: Connection) {
        assertInEventLoop()
        _ = op_epoll_del(epfd, c.fd)
        connections[c.fd] = nil
        shared.openConnections.subtract(1, ordering: .relaxed)
    }

    func makeRequestID() -> String {
        assertInEventLoop()
        requestCounter &+= 1
        return "\(shared.requestIDPrefix)-\(index)-\(String(requestCounter, radix: 16))"
    }

    // MARK: shutdown

    /// Stops accepting, closes idle connections, and lets busy ones finish with `Connection: close`.
    /// The server closes the shared listener once every loop has let go of it.
    func beginDrain() {
        assertInEventLoop()
        if listenFD >= 0 {
            _ = op_epoll_del(epfd, listenFD)
            listenFD = -1
        }
        for c in Array(connections.values) { c.closeIfIdle() }
    }

    /// Closes what is left and ends the loop.
    func stop(force: Bool) {
        assertInEventLoop()
        if force { for c in Array(connections.values) { c.close() } }
        for u in Array(upstreams.values) { u.close() }
        stopRequested = true
    }

    // MARK: Date header

    private func refreshDate() {
        var t = time(nil)
        guard Int(t) != dateSecond else { return }
        dateSecond = Int(t)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let text = "Date: \(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT\r\n"
        dateLine = Array(text.utf8)
    }
}

struct WorkQueue {
    var items: [@Sendable () -> Void] = []
    /// Set once the loop thread has exited.
    var ended = false
}

/// State every loop of one server shares.
final class ServerShared: Sendable {
    let router: RouterResponder
    let limits: ServerLimits
    let logger: Logger
    let requestIDPrefix: String
    let openConnections = Atomic<Int>(0)
    private let draining = Atomic<Bool>(false)

    init(router: Router, limits: ServerLimits, logger: Logger, requestIDPrefix: String) {
        self.router = RouterResponder(router)
        self.limits = limits
        self.logger = logger
        self.requestIDPrefix = requestIDPrefix
    }

    var isDraining: Bool { draining.load(ordering: .relaxed) }
    /// Marks the server draining; false if it already was.
    func setDraining() -> Bool { !draining.exchange(true, ordering: .relaxed) }
}

public enum ServerError: Error, CustomStringConvertible, Sendable {
    case addressInUse(host: String, port: Int)
    case permissionDenied(host: String, port: Int)
    case badHost(String)
    case system(String)

    public var description: String {
        switch self {
        case .addressInUse(let h, let p): "port \(p) on \(h) is already in use"
        case .permissionDenied(let h, let p): "not allowed to listen on \(h):\(p)"
        case .badHost(let h): "'\(h)' is not an IP address to listen on"
        case .system(let s): s
        }
    }
}
