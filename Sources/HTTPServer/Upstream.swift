import CNetShim
import Core
#if canImport(Glibc)
import Glibc
#endif

/// A connection from the reverse proxy to a service on 127.0.0.1 (or to another replica, for a relay), owned by one event loop, kept alive in
/// that loop's pool between exchanges. It knows nothing of the client: what the service does goes to the exchange it
/// currently serves, as three events (bytes received, output drained, closed).
final class Upstream {
    let fd: Int32
    let address: UpstreamAddress
    // The loop outlives every connection it owns: no reference counting on this hot path.
    unowned(unsafe) let loop: EventLoop
    /// The exchange this upstream currently serves; nil while pooled. Cleared when the exchange ends (the upstream is
    /// released or closed), which breaks the exchange → upstream → exchange cycle.
    var exchange: ProxyExchange?
    var inbound: [UInt8] = []
    private var outbound: [UInt8] = []
    private var written = 0
    private var mask = OP_EPOLLIN | OP_EPOLLRDHUP
    var reading = true
    var idleSince: UInt64 = 0
    private(set) var closed = false
    /// Whether the (non-blocking) connect has completed: the first byte went out or came in.
    private(set) var connected = false

    init(fd: Int32, address: UpstreamAddress, loop: EventLoop) {
        self.fd = fd
        self.address = address
        self.loop = loop
    }

    var pendingOutput: Int { outbound.count - written }

    func send(_ bytes: [UInt8]) {
        loop.assertInEventLoop()
        guard !closed else { return }
        outbound.append(contentsOf: bytes)
        flush()
    }

    func flush() {
        guard !closed else { return }
        while written < outbound.count {
            let n = outbound.withUnsafeBytes { op_send(fd, $0.baseAddress! + written, $0.count - written) }
            if n > 0 {
                written += n
                connected = true
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                break
            } else {
                failed()
                return
            }
        }
        if written == outbound.count {
            outbound.removeAll(keepingCapacity: outbound.capacity <= 256 * 1024)
            written = 0
            exchange?.upstreamDrained()
        }
        updateInterest()
    }

    func setReading(_ on: Bool) {
        reading = on
        updateInterest()
    }

    func updateInterest() {
        guard !closed else { return }
        var m = OP_EPOLLRDHUP
        if reading { m |= OP_EPOLLIN }
        if pendingOutput > 0 { m |= OP_EPOLLOUT }
        if m != mask {
            mask = m
            loop.setInterest(fd, mask: m)
        }
    }

    func onEvent(_ events: UInt32) {
        loop.assertInEventLoop()
        if events & UInt32(OP_EPOLLOUT) != 0 { flush() }
        if closed { return }
        if events & UInt32(OP_EPOLLIN | OP_EPOLLHUP | OP_EPOLLRDHUP | OP_EPOLLERR) != 0 { onReadable() }
    }

    private func onReadable() {
        while !closed && reading {
            let n = Glibc.read(fd, loop.scratch.baseAddress, loop.scratch.count)
            if n > 0 {
                connected = true
                let bytes = Array(UnsafeRawBufferPointer(rebasing: loop.scratch[0..<n]))
                if let exchange { exchange.upstreamReceived(bytes) } else { close() }  // bytes on an idle pooled connection: unusable
                if n < loop.scratch.count { return }
            } else if n == 0 {
                let e = exchange
                close()
                e?.upstreamClosed()
                return
            } else {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                failed()
                return
            }
        }
    }

    private func failed() {
        let e = exchange
        close()
        e?.upstreamClosed()
    }

    func close() {
        loop.assertInEventLoop()
        guard !closed else { return }
        closed = true
        exchange = nil
        loop.forgetUpstream(self)
        Glibc.close(fd)
    }
}
