import Core

/// A proxied request, taken from its head once: the path and query split from the target (what the resolver
/// decides on), the request id, and the head itself (what the forwarded head is built from, and what the answer's
/// log line names).
struct ProxiedRequest {
    let head: RequestHead
    let path: String
    let query: String
    let requestID: String
}

/// One request forwarded to a service: the request head and body stream up, the response streams back,
/// each side paused while the other is slow to read.
///
/// The client connection owns the exchange while it runs (`Connection.proxy`) and tells it what the client does
/// (`clientInput`, `clientDrained`, `detach`); the upstream tells it what the service does (`upstreamReceived`,
/// `upstreamDrained`, `upstreamClosed`). Both references are dropped when the exchange ends, which breaks the cycles.
/// Confined to the client's event loop, as both connections are.
final class ProxyExchange {
    enum ResponseState {
        case head
        case fixed(Int)
        case chunked(ChunkScanner)
        case untilClose
        case tunnel
        case done
    }

    let client: Connection
    let upstream: Upstream
    let request: ProxiedRequest
    /// When the request was forwarded (monotonic ns): the response timeout counts from here.
    let started: UInt64
    private let isHead: Bool
    /// The response gets the sandbox policy (served on the platform's own origin).
    private let sandboxed: Bool
    /// Passed on to another replica (`ProxyDecision.relay`): failing before it answers means the service is moving.
    private let relayed: Bool
    private(set) var requestBodyDone: Bool
    private(set) var state = ResponseState.head
    /// Whether the service's connection can serve another exchange once this one ends.
    private var reusable = true
    private var headBuffer: [UInt8] = []
    /// True while `clientInput` runs (it must not re-enter itself through the upstream's drain event).
    private var forwarding = false

    init(client: Connection, upstream: Upstream, request: ProxiedRequest, started: UInt64, requestBodyDone: Bool, sandboxed: Bool,
         relayed: Bool = false) {
        self.relayed = relayed
        self.client = client
        self.upstream = upstream
        self.request = request
        self.started = started
        self.isHead = request.head.method == "HEAD"
        self.requestBodyDone = requestBodyDone
        self.sandboxed = sandboxed
    }

    var responseStarted: Bool {
        if case .head = state { return false }
        return true
    }

    /// A relay whose connection to the other replica is not up yet: it gets `relayConnectTimeout`, not the
    /// response timeout.
    var awaitsRelayConnection: Bool { relayed && !upstream.connected }

    /// The other replica did not accept the relay in time: answered as a replica that refused it.
    func relayConnectTimedOut() {
        fail(HTTPError(502, code: "bad_gateway", message: "The replica running this service did not accept a connection."))
    }

    /// Whether the client connection still runs this exchange (it may have ended while an event was on its way).
    private var isCurrent: Bool { client.proxy === self }

    /// Sends the request head; the body (if any) follows as the client sends it.
    func start(head: [UInt8]) {
        client.loop.assertInEventLoop()
        upstream.exchange = self
        upstream.send(head)
        if !requestBodyDone { clientInput() }
    }

    // MARK: the client's side

    /// Forwards request body bytes (or tunnel bytes) from the client to the service.
    func clientInput() {
        // Sending can drain the upstream, which calls back here: the outer call finishes the work.
        guard !forwarding, isCurrent else { return }
        forwarding = true
        defer { forwarding = false }
        if case .tunnel = state {
            if let bytes = client.takeInput() { upstream.send(bytes) }
            return
        }
        while !requestBodyDone && upstream.pendingOutput < Connection.highWater {
            switch client.nextBodyStep() {
            case .bodyPiece(let piece, let end):
                if !piece.isEmpty {
                    if request.head.chunked {
                        upstream.send(Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + [0x0D, 0x0A])
                    } else {
                        upstream.send(piece)
                    }
                }
                if end {
                    requestBodyDone = true
                    if request.head.chunked { upstream.send(ProxyExchange.lastChunk) }
                }
            case .failure(let f):
                fail(HTTPError(f.status, code: f.code, message: f.message))
                return
            default:
                client.compactInbound()
                return
            }
        }
        client.compactInbound()
    }

    /// The client caught up: read the service again.
    func clientDrained() {
        guard !upstream.reading, client.pendingOutput < Connection.highWater / 2 else { return }
        upstream.setReading(true)
    }

    /// The client connection closed: let go of the service's connection too.
    func detach() {
        upstream.close()
    }

    // MARK: the service's side

    /// The service's bytes: parse its head once, then pass the body through, tracking where it ends.
    func upstreamReceived(_ bytes: [UInt8]) {
        guard isCurrent else { return }
        switch state {
        case .head:
            if headBuffer.isEmpty { headBuffer = bytes } else { headBuffer += bytes }  // usually the whole head in one read
            parseResponseHead()
        case .fixed(let remaining):
            let take = min(remaining, bytes.count)
            client.append(take == bytes.count ? bytes : Array(bytes[0..<take]))
            if take < bytes.count { reusable = false }  // bytes beyond the body: the connection is not clean
            state = take == remaining ? .done : .fixed(remaining - take)
        case .chunked(var scanner):
            do {
                if let end = try scanner.feed(bytes) {
                    client.append(Array(bytes[0..<end]))
                    if end < bytes.count { reusable = false }
                    state = .done
                } else {
                    client.append(bytes)
                    state = .chunked(scanner)
                }
            } catch {
                reusable = false
                abort()
                return
            }
        case .untilClose, .tunnel:
            client.append(bytes)
        case .done:
            reusable = false
        }
        afterUpstreamProgress()
    }

    /// The service took our bytes: read more of the client's body.
    func upstreamDrained() {
        guard isCurrent, client.phase == .proxying else { return }
        clientInput()
        client.updateInterest()
    }

    /// The service closed its connection (the upstream is closed already).
    func upstreamClosed() {
        guard isCurrent else { return }
        switch state {
        case .untilClose, .tunnel:
            client.proxyEnded(closing: true)
        case .head:
            fail(HTTPError(502, code: "bad_gateway", message: "The service closed the connection without answering. Check its logs."))
        case .done:
            finish(reuse: false)
        default:
            abort()  // mid-body: the client must see a truncated response, not a complete-looking one
        }
    }

    private func parseResponseHead() {
        guard let end = UpstreamHead.end(in: headBuffer) else {
            if headBuffer.count > 64 * 1024 { fail(HTTPError(502, code: "bad_gateway", message: "The service sent an oversized response head.")) }
            return
        }
        guard let parsed = UpstreamHead.parse(headBuffer, end: end, dropCookies: sandboxed) else {
            fail(HTTPError(502, code: "bad_gateway",
                           message: "The service answered something that is not well-formed HTTP (lines must end in CRLF; header names are tokens). Check its logs."))
            return
        }
        let rest = Array(headBuffer[(end + 4)...])
        headBuffer = []
        let status = parsed.status
        if status >= 100 && status < 200 && status != 101 {
            // An interim answer (100 Continue): drop it, the real head follows.
            headBuffer = rest
            if !rest.isEmpty { parseResponseHead() }
            return
        }
        if parsed.connectionClose || parsed.http10 { reusable = false }
        let loop = client.loop
        var out: [UInt8] = []
        out.reserveCapacity(parsed.forwarded.count + 256)
        out += parsed.statusLine
        out += [0x0D, 0x0A]
        out += loop.dateLine
        out += "X-Request-Id: ".utf8
        out += request.requestID.utf8
        out += [0x0D, 0x0A]
        out += parsed.forwarded
        if sandboxed { out += ProxyExchange.sandboxPolicy }
        let noBody = isHead || status == 204 || status == 304
        if status == 101 {
            out += "Connection: Upgrade\r\n".utf8
            if let up = parsed.upgrade { out += "Upgrade: ".utf8; out += up; out += [0x0D, 0x0A] }
            state = .tunnel
            reusable = false
            client.keepAlive = false
        } else if noBody {
            if let cl = parsed.contentLength { ProxyHeaders.appendContentLength(&out, cl) }
            state = .done
        } else if parsed.chunked {
            out += "Transfer-Encoding: chunked\r\n".utf8
            state = .chunked(ChunkScanner())
        } else if let n = parsed.contentLength {
            ProxyHeaders.appendContentLength(&out, n)
            state = n == 0 ? .done : .fixed(n)
        } else {
            state = .untilClose  // the body ends when the service closes: so does this connection
            reusable = false
            client.keepAlive = false
        }
        if status != 101 {
            if !client.keepAlive {
                out += "Connection: close\r\n".utf8
            } else if client.requestVersion == .http1_0 {
                out += "Connection: keep-alive\r\n".utf8
            }
        }
        out += [0x0D, 0x0A]
        client.append(out)
        if loop.shared.logger.isEnabled(.debug) {
            loop.shared.logger.debug("proxy.response", ["request_id": request.requestID, "status": "\(status)", "upstream": "\(upstream.address)"])
        }
        if case .tunnel = state {
            clientInput()  // bytes the client already sent after its upgrade request
        }
        if !rest.isEmpty {
            if case .done = state { reusable = false } else { upstreamReceived(rest); return }
        }
    }

    private func afterUpstreamProgress() {
        client.flush()
        guard client.phase != .closed, isCurrent else { return }
        if case .done = state, requestBodyDone {
            finish(reuse: reusable)
            return
        }
        // Backpressure: stop reading the service while the client is behind.
        upstream.setReading(client.pendingOutput < Connection.highWater)
    }

    // MARK: ending

    /// Answers an error if nothing was sent yet, else drops the client's connection. The answer is logged with
    /// the request's own method and path.
    func fail(_ e: HTTPError) {
        guard isCurrent else { return }
        upstream.close()
        if responseStarted {
            client.close()
            return
        }
        // A replica that refused or dropped the relay is gone or going: its services are moving. Other failures
        // (the client's body, a timeout) answer as they would for a local service.
        client.proxyFailed(relayed && e.status == 502 ? ProxyExchange.moving : Response.error(e), request, started: started)
    }

    /// The answer when the replica a request was relayed to fails before answering: it died, or is shutting down,
    /// and its services' leases are about to lapse to another replica.
    static var moving: Response {
        var r = Response.error(503, code: "service_moving", message: "The replica running this service does not answer; the service is moving to another replica. Retry shortly.")
        r.headers.add("Retry-After", "2")
        return r
    }

    /// Drops the client's connection (which closes the service's too).
    private func abort() {
        client.close()
    }

    private func finish(reuse: Bool) {
        if reuse { client.loop.releaseUpstream(upstream) } else { upstream.close() }
        client.proxyEnded(closing: false)
    }

    static let lastChunk = Array("0\r\n\r\n".utf8)

    /// Pages served on the platform's own origin (`/s/<slug>/`) run in an opaque origin: no access to the
    /// dashboard's cookies, storage or same-origin requests.
    static let sandboxPolicy = Array("Content-Security-Policy: sandbox allow-scripts allow-forms allow-popups\r\n".utf8)
}
