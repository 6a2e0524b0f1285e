import CNetShim
import Core
#if canImport(Glibc)
import Glibc
#endif

/// A connection from the reverse proxy to a service on 127.0.0.1, owned by one event loop, kept alive in
/// that loop's pool between exchanges.
final class Upstream {
    let fd: Int32
    let port: Int
    // The loop outlives every connection it owns: no reference counting on this hot path.
    unowned(unsafe) let loop: EventLoop
    /// The client connection this upstream currently serves.
    weak var owner: Connection?
    var inbound: [UInt8] = []
    private var outbound: [UInt8] = []
    private var written = 0
    private var mask = OP_EPOLLIN | OP_EPOLLRDHUP
    var reading = true
    var idleSince: UInt64 = 0
    private(set) var closed = false

    init(fd: Int32, port: Int, loop: EventLoop) {
        self.fd = fd
        self.port = port
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
            owner?.proxyUpstreamDrained()
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
                let bytes = Array(UnsafeRawBufferPointer(rebasing: loop.scratch[0..<n]))
                if let owner { owner.proxyUpstreamData(bytes) } else { close() }  // bytes on an idle pooled connection: unusable
                if n < loop.scratch.count { return }
            } else if n == 0 {
                let o = owner
                close()
                o?.proxyUpstreamClosed()
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
        let o = owner
        close()
        o?.proxyUpstreamClosed()
    }

    func close() {
        loop.assertInEventLoop()
        guard !closed else { return }
        closed = true
        owner = nil
        loop.forgetUpstream(self)
        Glibc.close(fd)
    }
}

/// Finds where a chunked body ends while its bytes pass through unchanged. (`package` for the fuzz target.)
package struct ChunkScanner {
    enum State { case size, sizeLineRest, data(Int), dataCR, dataLF, trailer, trailerLF, trailerLineStart }
    private var state = State.size
    private var size = 0
    private var digits = 0
    private var lastChunk = false
    private var lineLength = 0

    package init() {}

    /// Feeds bytes; returns the index just past the end of the body if it ends in `bytes`, nil if more follows.
    /// Throws on malformed framing.
    package mutating func feed(_ bytes: [UInt8]) throws -> Int? {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch state {
            case .size:
                if let h = PercentEncoding.hexValue(b) {
                    digits += 1
                    guard digits <= 15 else { throw ChunkError() }
                    size = size << 4 | Int(h)
                } else if b == 0x3B || b == 0x20 || b == 0x09 || b == 0x0D {
                    guard digits > 0 else { throw ChunkError() }
                    state = .sizeLineRest
                } else if b == 0x0A {
                    guard digits > 0 else { throw ChunkError() }
                    endOfSizeLine()
                } else {
                    throw ChunkError()
                }
            case .sizeLineRest:
                lineLength += 1
                guard lineLength < 4096 else { throw ChunkError() }
                if b == 0x0A { endOfSizeLine() }
            case .data(let remaining):
                let take = min(remaining, bytes.count - i)
                i += take
                state = take == remaining ? .dataCR : .data(remaining - take)
                continue
            case .dataCR:
                if b == 0x0D { state = .dataLF } else if b == 0x0A { state = .size } else { throw ChunkError() }
            case .dataLF:
                guard b == 0x0A else { throw ChunkError() }
                state = .size
            case .trailerLineStart:
                if b == 0x0D { state = .trailerLF } else if b == 0x0A { return i + 1 } else { state = .trailer }
            case .trailer:
                lineLength += 1
                guard lineLength < 65536 else { throw ChunkError() }
                if b == 0x0A { state = .trailerLineStart }
            case .trailerLF:
                guard b == 0x0A else { throw ChunkError() }
                return i + 1
            }
            i += 1
        }
        return nil
    }

    private mutating func endOfSizeLine() {
        lineLength = 0
        if size == 0 {
            state = .trailerLineStart
        } else {
            state = .data(size)
        }
        size = 0
        digits = 0
    }
}

struct ChunkError: Error {}
