import CNetShim
import Core
#if canImport(Glibc)
import Glibc
#endif

/// One request forwarded to a service: the request head and body stream up, the response streams back,
/// each side paused while the other is slow to read.
final class ProxyExchange {
    enum ResponseState {
        case head
        case fixed(Int)
        case chunked(ChunkScanner)
        case untilClose
        case tunnel
        case done
    }

    let upstream: Upstream
    let requestID: String
    let started: UInt64
    let isHead: Bool
    let chunkedUpload: Bool
    var requestBodyDone: Bool
    var state = ResponseState.head
    var reusable = true
    var headBuffer: [UInt8] = []
    /// True while `proxyInbound` runs (it must not re-enter itself through the upstream's drain callback).
    var forwarding = false

    init(upstream: Upstream, requestID: String, started: UInt64, isHead: Bool, chunkedUpload: Bool, requestBodyDone: Bool) {
        self.upstream = upstream
        self.requestID = requestID
        self.started = started
        self.isHead = isHead
        self.chunkedUpload = chunkedUpload
        self.requestBodyDone = requestBodyDone
    }

    var responseStarted: Bool {
        if case .head = state { return false }
        return true
    }
}

/// Headers that describe one hop, never forwarded (RFC 9110 §7.6.1), plus those we set ourselves.
let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
                              "te", "trailer", "transfer-encoding", "upgrade"]

extension Connection {
    /// Routes a head: host rule first, then the path router.
    func route(_ head: RequestHead) -> Router.Match? {
        let router = loop.shared.router
        if let (handler, params) = router.matchHost(head.headers["Host"]) { return .found(handler, params) }
        return router.match(method: head.method, path: Request.splitTarget(head.target).0)
    }

    /// Starts forwarding, or answers the resolver's response. The body (if any) streams after.
    func beginProxy(_ head: RequestHead, _ resolve: @Sendable (ProxyRequest) -> ProxyDecision, _ params: [String: String], bodyPending: Bool) {
        sequence &+= 1
        headStartedAt = 0
        bodyStartedAt = 0
        keepAlive = head.keepAlive && !peerClosed && !loop.shared.isDraining
        isHeadRequest = head.method == "HEAD"
        requestVersion = head.version
        let requestID = Connection.clientRequestID(head.headers["X-Request-Id"]) ?? loop.makeRequestID()
        let (path, query) = Request.splitTarget(head.target)
        let decision = resolve(ProxyRequest(method: head.method, path: path, rawQuery: query, headers: head.headers,
                                            parameters: params, requestID: requestID))
        switch decision {
        case .respond(let response):
            if bodyPending { keepAlive = false }  // the body is not read: end the connection after answering
            let request = Request(method: head.method, target: head.target, version: head.version, headers: head.headers, requestID: requestID)
            respondDirect(response, request)
        case .forward(let port, let target):
            guard let upstream = loop.acquireUpstream(port: port) else {
                if bodyPending { keepAlive = false }
                respondDirect(Response.error(502, code: "bad_gateway", message: "The service did not accept a connection. Check its logs."),
                              Request(method: head.method, target: head.target, headers: head.headers, requestID: requestID))
                return
            }
            upstream.owner = self
            let exchange = ProxyExchange(upstream: upstream, requestID: requestID, started: loop.now, isHead: isHeadRequest,
                                         chunkedUpload: head.chunked, requestBodyDone: !bodyPending)
            proxy = exchange
            phase = .proxying
            upstream.send(proxyRequestHead(head, target: target, requestID: requestID))
            if bodyPending { proxyInbound() }
            updateInterest()
            updateDeadline()
        }
    }

    private func proxyRequestHead(_ head: RequestHead, target: String, requestID: String) -> [UInt8] {
        let upgrade = head.headers.hasToken("Connection", "upgrade") && head.headers["Upgrade"] != nil
        var text = "\(head.method) \(target) HTTP/1.1\r\n"
        var forwardedFor: String?
        for (name, value) in head.headers.fields {
            let lower = name.lowercased()
            if hopByHop.contains(lower) || lower == "content-length" || lower == "expect" || lower == "x-request-id" { continue }
            if lower == "x-forwarded-for" { forwardedFor = value; continue }
            if lower.hasPrefix("x-forwarded-") { continue }
            text += "\(name): \(value)\r\n"
        }
        let ip = peerIP()
        text += "X-Forwarded-For: \(forwardedFor.map { "\($0), \(ip)" } ?? ip)\r\n"
        text += "X-Forwarded-Proto: http\r\n"
        if let host = head.headers["Host"] { text += "X-Forwarded-Host: \(host)\r\n" }
        text += "X-Request-Id: \(requestID)\r\n"
        if head.chunked {
            text += "Transfer-Encoding: chunked\r\n"
        } else if head.contentLength > 0 {
            text += "Content-Length: \(head.contentLength)\r\n"
        }
        if upgrade {
            text += "Connection: Upgrade\r\nUpgrade: \(head.headers["Upgrade"]!)\r\n"
        }
        return Array((text + "\r\n").utf8)
    }

    func peerIP() -> String {
        if let cached = peerAddress { return cached }
        var buf = [CChar](repeating: 0, count: 64)
        let ip = op_peer_ip(fd, &buf, 64) == 0 ? String(cString: buf) : "unknown"
        peerAddress = ip
        return ip
    }

    /// Forwards request body bytes (or tunnel bytes) from the client to the service.
    func proxyInbound() {
        // Sending can drain the upstream, which calls back here: the outer call finishes the work.
        guard let p = proxy, !p.forwarding else { return }
        p.forwarding = true
        defer { p.forwarding = false }
        if case .tunnel = p.state {
            if readIndex < inbound.count {
                let bytes = Array(inbound[readIndex...])
                readIndex = inbound.count
                p.upstream.send(bytes)
            }
            compactInbound()
            return
        }
        while !p.requestBodyDone && p.upstream.pendingOutput < Connection.highWater {
            let step = inbound.withUnsafeBufferPointer { parser.parse($0, &readIndex) }
            switch step {
            case .bodyPiece(let piece, let end):
                if !piece.isEmpty {
                    if p.chunkedUpload {
                        p.upstream.send(Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + [0x0D, 0x0A])
                    } else {
                        p.upstream.send(piece)
                    }
                }
                if end {
                    p.requestBodyDone = true
                    if p.chunkedUpload { p.upstream.send(Array("0\r\n\r\n".utf8)) }
                }
            case .failure(let f):
                failProxy(HTTPError(f.status, code: f.code, message: f.message))
                return
            default:
                compactInbound()
                return
            }
        }
        compactInbound()
    }

    /// The service's bytes: parse its head once, then pass the body through, tracking where it ends.
    func proxyUpstreamData(_ bytes: [UInt8]) {
        guard let p = proxy else { return }
        switch p.state {
        case .head:
            p.headBuffer += bytes
            parseUpstreamHead(p)
        case .fixed(let remaining):
            let take = min(remaining, bytes.count)
            append(Array(bytes[0..<take]))
            if take < bytes.count { p.reusable = false }  // bytes beyond the body: the connection is not clean
            p.state = take == remaining ? .done : .fixed(remaining - take)
        case .chunked(var scanner):
            do {
                if let end = try scanner.feed(bytes) {
                    append(Array(bytes[0..<end]))
                    if end < bytes.count { p.reusable = false }
                    p.state = .done
                } else {
                    append(bytes)
                    p.state = .chunked(scanner)
                }
            } catch {
                p.reusable = false
                abortProxy()
                return
            }
        case .untilClose, .tunnel:
            append(bytes)
        case .done:
            p.reusable = false
        }
        afterUpstreamProgress(p)
    }

    private func parseUpstreamHead(_ p: ProxyExchange) {
        guard let end = Connection.findHeadEnd(p.headBuffer) else {
            if p.headBuffer.count > 64 * 1024 { failProxy(HTTPError(502, code: "bad_gateway", message: "The service sent an oversized response head.")) }
            return
        }
        let headText = String(decoding: p.headBuffer[0..<end], as: UTF8.self)
        let rest = Array(p.headBuffer[(end + 4)...])
        p.headBuffer = []
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...599).contains(status) else {
            failProxy(HTTPError(502, code: "bad_gateway", message: "The service answered something that is not HTTP."))
            return
        }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        if status >= 100 && status < 200 && status != 101 {
            // An interim answer (100 Continue): drop it, the real head follows.
            p.headBuffer = rest
            if !rest.isEmpty { parseUpstreamHead(p) }
            return
        }
        if headers.hasToken("Connection", "close") || parts[0] == "HTTP/1.0" { p.reusable = false }
        var out = "HTTP/1.1 \(status) \(parts.count > 2 ? String(parts[2]) : StatusText.reason(status))\r\n"
        out += String(decoding: loop.dateLine, as: UTF8.self)
        out += "X-Request-Id: \(p.requestID)\r\n"
        for (name, value) in headers.fields {
            let lower = name.lowercased()
            if hopByHop.contains(lower) || lower == "content-length" || lower == "date" || lower == "x-request-id" { continue }
            out += "\(name): \(value)\r\n"
        }
        let noBody = p.isHead || status == 204 || status == 304
        if status == 101 {
            out += "Connection: Upgrade\r\n"
            if let up = headers["Upgrade"] { out += "Upgrade: \(up)\r\n" }
            p.state = .tunnel
            p.reusable = false
            keepAlive = false
        } else if noBody {
            if let cl = headers["Content-Length"] { out += "Content-Length: \(cl)\r\n" }
            p.state = .done
        } else if headers.hasToken("Transfer-Encoding", "chunked") {
            out += "Transfer-Encoding: chunked\r\n"
            p.state = .chunked(ChunkScanner())
        } else if let cl = headers["Content-Length"], let n = Int(cl), n >= 0 {
            out += "Content-Length: \(n)\r\n"
            p.state = n == 0 ? .done : .fixed(n)
        } else {
            p.state = .untilClose  // the body ends when the service closes: so does this connection
            p.reusable = false
            keepAlive = false
        }
        if status != 101 {
            if !keepAlive { out += "Connection: close\r\n" } else if requestVersion == .http1_0 { out += "Connection: keep-alive\r\n" }
        }
        append(Array((out + "\r\n").utf8))
        if loop.shared.logger.isEnabled(.debug) {
            loop.shared.logger.debug("proxy.response", ["request_id": p.requestID, "status": "\(status)", "port": "\(p.upstream.port)"])
        }
        if case .tunnel = p.state {
            proxyInbound()  // bytes the client already sent after its upgrade request
        }
        if !rest.isEmpty, !(status == 101 && rest.isEmpty) {
            if case .done = p.state { p.reusable = false } else { proxyUpstreamData(rest); return }
        }
    }

    private func afterUpstreamProgress(_ p: ProxyExchange) {
        flush()
        guard phase != .closed else { return }
        if case .done = p.state, p.requestBodyDone {
            finishProxy(reuse: p.reusable)
            return
        }
        // Backpressure: stop reading the service while the client is behind.
        p.upstream.setReading(pendingOutput < Connection.highWater)
    }

    /// The client caught up: read the service again.
    func proxyClientDrained() {
        guard let p = proxy, !p.upstream.reading, pendingOutput < Connection.highWater / 2 else { return }
        p.upstream.setReading(true)
    }

    /// The service took our bytes: read more of the client's body.
    func proxyUpstreamDrained() {
        guard phase == .proxying else { return }
        proxyInbound()
        updateInterest()
    }

    func proxyUpstreamClosed() {
        guard let p = proxy else { return }
        switch p.state {
        case .untilClose, .tunnel:
            proxy = nil
            keepAlive = false
            closeAfterWriting()
        case .head:
            failProxy(HTTPError(502, code: "bad_gateway", message: "The service closed the connection without answering. Check its logs."))
        case .done:
            finishProxy(reuse: false)
        default:
            abortProxy()  // mid-body: the client must see a truncated response, not a complete-looking one
        }
    }

    /// Answers an error if nothing was sent yet, else drops the connection.
    func failProxy(_ e: HTTPError) {
        guard let p = proxy else { return }
        p.upstream.close()
        proxy = nil
        if p.responseStarted {
            close()
            return
        }
        keepAlive = false
        phase = .reading
        respondDirect(Response.error(e), Request(method: "GET", target: "/", requestID: p.requestID))
    }

    func abortProxy() {
        proxy?.upstream.close()
        proxy = nil
        close()
    }

    private func finishProxy(reuse: Bool) {
        guard let p = proxy else { return }
        proxy = nil
        if reuse { loop.releaseUpstream(p.upstream) } else { p.upstream.close() }
        phase = .reading
        idleSince = loop.now
        if !keepAlive { closeAfterFlush = true }
        flush()
        processInbound()
        updateInterest()
        updateDeadline()
    }

    static func findHeadEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 0x0D && b[i + 1] == 0x0A && b[i + 2] == 0x0D && b[i + 3] == 0x0A { return i }
        return nil
    }
}
