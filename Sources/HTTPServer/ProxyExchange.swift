import CNetShim
import Core
import Foundation
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
    /// The response gets the sandbox policy (served on the platform's own origin).
    let sandboxed: Bool

    init(upstream: Upstream, requestID: String, started: UInt64, isHead: Bool, chunkedUpload: Bool, requestBodyDone: Bool, sandboxed: Bool) {
        self.sandboxed = sandboxed
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

/// What the proxy does with a header, decided in one pass over its name's bytes (this runs for every header of
/// every proxied request and response).
enum ProxyHeaders {
    enum Kind {
        case forward
        /// Describes one hop, never forwarded (RFC 9110 §7.6.1).
        case hopByHop
        case upgrade
        case connection
        case transferEncoding
        case contentLength
        /// Set by the proxy itself.
        case replaced
        case forwardedFor
        case cookie
    }

    static func kind<C: Collection>(_ name: C) -> Kind where C.Element == UInt8 {
        switch name.count {
        case 2: return equal(name, "te") ? .hopByHop : .forward
        case 4: return equal(name, "date") ? .replaced : .forward
        case 6: return equal(name, "expect") ? .replaced : equal(name, "cookie") ? .cookie : .forward
        case 7: return equal(name, "upgrade") ? .upgrade : equal(name, "trailer") ? .hopByHop : .forward
        case 10: return equal(name, "connection") ? .connection : equal(name, "keep-alive") ? .hopByHop : .forward
        case 12: return equal(name, "x-request-id") ? .replaced : .forward
        case 14: return equal(name, "content-length") ? .contentLength : .forward
        case 15: return equal(name, "x-forwarded-for") ? .forwardedFor : .forward
        case 16: return equal(name, "proxy-connection") ? .hopByHop : equal(name, "x-forwarded-host") ? .replaced : .forward
        case 17: return equal(name, "transfer-encoding") ? .transferEncoding : equal(name, "x-forwarded-proto") ? .replaced : .forward
        case 18: return equal(name, "proxy-authenticate") ? .hopByHop : .forward
        case 19: return equal(name, "proxy-authorization") ? .hopByHop : .forward
        default: return .forward
        }
    }

    /// ASCII case-insensitive comparison with a lower-case constant of the same length, without allocating.
    @inline(__always)
    static func equal<C: Collection>(_ name: C, _ lower: StaticString) -> Bool where C.Element == UInt8 {
        lower.withUTF8Buffer { l in
            var i = 0
            for c in name {
                if (c >= 0x41 && c <= 0x5A ? c | 0x20 : c) != l[i] { return false }
                i += 1
            }
            return true
        }
    }
}

/// A service's response head, parsed at the byte level: framing facts plus the lines to pass on unchanged.
struct UpstreamHead {
    var statusLine: ArraySlice<UInt8>
    var status: Int
    var http10: Bool
    var contentLength: Int?
    var chunked = false
    var connectionClose = false
    var upgrade: ArraySlice<UInt8>?
    /// Header lines (with CRLF) that are forwarded as they are.
    var forwarded: [UInt8] = []

    static func parse(_ b: [UInt8], end: Int, dropCookies: Bool = false) -> UpstreamHead? {
        // Lines end in CRLF and nothing else: a bare LF or CR (which browsers also accept as a line end) would let a
        // service end the head early and push the proxy's own headers (the sandbox policy) into the body.
        for i in 0..<end {
            let c = b[i]
            if c == 0x0A && (i == 0 || b[i - 1] != 0x0D) { return nil }
            if c == 0x0D && (i + 1 >= end + 2 || b[i + 1] != 0x0A) { return nil }
            if c == 0 { return nil }
        }
        var lineStart = 0
        var i = 0
        func nextLine() -> Range<Int>? {
            guard lineStart < end else { return nil }
            i = lineStart
            while i + 1 < end + 2, !(b[i] == 0x0D && b[i + 1] == 0x0A) { i += 1 }
            let r = lineStart..<i
            lineStart = i + 2
            return r
        }
        guard let first = nextLine(), first.count >= 12, b[first.lowerBound] == 0x48 /* H */ else { return nil }
        let line = b[first]
        guard Array(line.prefix(7)) == Array("HTTP/1.".utf8), line[line.startIndex + 8] == 0x20 else { return nil }
        var status = 0
        for k in 9..<12 {
            let d = line[line.startIndex + k]
            guard d >= 0x30, d <= 0x39 else { return nil }
            status = status * 10 + Int(d - 0x30)
        }
        guard (100...599).contains(status) else { return nil }
        var head = UpstreamHead(statusLine: line, status: status, http10: line[line.startIndex + 7] == 0x30)
        head.forwarded.reserveCapacity(end)
        while let r = nextLine() {
            guard let colon = b[r].firstIndex(of: 0x3A) else { continue }
            let name = b[r.lowerBound..<colon]
            guard !name.isEmpty, name.allSatisfy(HeadParser.isTokenChar) else { return nil }  // no folding, no odd names
            var vs = colon + 1
            while vs < r.upperBound, b[vs] == 0x20 || b[vs] == 0x09 { vs += 1 }
            let value = b[vs..<r.upperBound]
            let kind = ProxyHeaders.kind(name)
            if kind == .contentLength {
                var n = 0, digits = 0
                for c in value where c != 0x20 && c != 0x09 {
                    guard c >= 0x30, c <= 0x39, digits < 18 else { return nil }
                    n = n * 10 + Int(c - 0x30)
                    digits += 1
                }
                guard digits > 0 else { return nil }
                head.contentLength = n
            } else if kind == .transferEncoding {
                head.chunked = String(decoding: value, as: UTF8.self).lowercased().contains("chunked")
            } else if kind == .connection {
                head.connectionClose = String(decoding: value, as: UTF8.self).lowercased().contains("close")
            } else if kind == .upgrade {
                head.upgrade = value
            } else if kind == .forward || kind == .forwardedFor || kind == .cookie {
                // On the platform's origin (the sandboxed path form) a service may set no cookie: the jar is the dashboard's.
                if dropCookies, name.count == 10, ProxyHeaders.equal(name, "set-cookie") { continue }
                head.forwarded += b[r]
                head.forwarded += [0x0D, 0x0A]
            }
        }
        return head
    }
}

extension Connection {
    /// Routes a head: host rule first, then the path router.
    func route(_ head: RequestHead) -> Router.Match? {
        let router = loop.shared.router
        let path = Request.splitTarget(head.target).0
        if let screen = router.screen, let refused = screen(ScreenedRequest(method: head.method, path: path, headers: head.headers)) {
            return .refused(refused)
        }
        if let (handler, params) = router.matchHost(head.headers["Host"]) { return .found(handler, params) }
        return router.match(method: head.method, path: path)
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
        case .forward(let port, let target, let prefix, let sandboxed):
            guard let upstream = loop.acquireUpstream(port: port) else {
                if bodyPending { keepAlive = false }
                respondDirect(Response.error(502, code: "bad_gateway", message: "The service did not accept a connection. Check its logs."),
                              Request(method: head.method, target: head.target, headers: head.headers, requestID: requestID))
                return
            }
            upstream.owner = self
            let exchange = ProxyExchange(upstream: upstream, requestID: requestID, started: loop.now, isHead: isHeadRequest,
                                         chunkedUpload: head.chunked, requestBodyDone: !bodyPending, sandboxed: sandboxed)
            proxy = exchange
            phase = .proxying
            upstream.send(proxyRequestHead(head, target: target, prefix: prefix, requestID: requestID))
            if bodyPending { proxyInbound() }
            updateInterest()
            updateDeadline()
        }
    }

    private func proxyRequestHead(_ head: RequestHead, target: String, prefix: String, requestID: String) -> [UInt8] {
        // Built as bytes: this runs for every proxied request.
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out += head.method.utf8
        out.append(0x20)
        out += target.utf8
        out += " HTTP/1.1\r\n".utf8
        var forwardedFor: String?
        var upgrade: String?
        for (name, value) in head.headers.fields {
            let kind = ProxyHeaders.kind(name.utf8)
            switch kind {
            case .forward, .replaced:
                if kind == .replaced, name.utf8.count != 4 { continue }  // of the headers we replace, a client's Date goes through
                // Our own X-Forwarded-* are authoritative; a client's are not passed on.
                if name.utf8.count > 12, ProxyHeaders.equal(name.utf8.prefix(12), "x-forwarded-") { continue }
                out += name.utf8
                out += [0x3A, 0x20]
                out += value.utf8
                out += [0x0D, 0x0A]
            case .cookie:
                // The platform's own credentials never reach a service; its own cookies do.
                let kept = Connection.withoutCookies(value, loop.shared.router.credentialCookies)
                guard !kept.isEmpty else { continue }
                out += name.utf8
                out += [0x3A, 0x20]
                out += kept.utf8
                out += [0x0D, 0x0A]
            case .upgrade: upgrade = value
            case .forwardedFor: forwardedFor = value
            default: continue
            }
        }
        let ip = peerIP()
        out += "X-Forwarded-For: ".utf8
        if let forwardedFor { out += forwardedFor.utf8; out += ", ".utf8 }
        out += ip.utf8
        out += "\r\nX-Forwarded-Proto: http\r\n".utf8
        if let host = head.headers["Host"] { out += "X-Forwarded-Host: ".utf8; out += host.utf8; out += [0x0D, 0x0A] }
        if !prefix.isEmpty { out += "X-Forwarded-Prefix: ".utf8; out += prefix.utf8; out += [0x0D, 0x0A] }
        out += "X-Request-Id: ".utf8
        out += requestID.utf8
        out += [0x0D, 0x0A]
        if head.chunked {
            out += "Transfer-Encoding: chunked\r\n".utf8
        } else if head.contentLength > 0 {
            out += "Content-Length: \(head.contentLength)\r\n".utf8
        }
        if let upgrade, head.headers.hasToken("Connection", "upgrade") {
            out += "Connection: Upgrade\r\nUpgrade: ".utf8
            out += upgrade.utf8
            out += [0x0D, 0x0A]
        }
        out += [0x0D, 0x0A]
        return out
    }

    /// A Cookie header's value without the pairs named in `names`.
    static func withoutCookies(_ value: String, _ names: Set<String>) -> String {
        guard !names.isEmpty else { return value }
        let pairs = value.split(separator: ";").filter { pair in
            let name = pair.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            return !names.contains(name)
        }
        return pairs.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
    }

    func peerIP() -> String {
        if let cached = peerAddress { return cached }
        var buf = [CChar](repeating: 0, count: 64)
        let ip = op_peer_ip(fd, &buf, 64) == 0 ? String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
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
            if p.headBuffer.isEmpty { p.headBuffer = bytes } else { p.headBuffer += bytes }  // usually the whole head in one read
            parseUpstreamHead(p)
        case .fixed(let remaining):
            let take = min(remaining, bytes.count)
            append(take == bytes.count ? bytes : Array(bytes[0..<take]))
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

    /// `Content-Length: n\r\n` as bytes, without formatting a String.
    static func appendContentLength(_ out: inout [UInt8], _ n: Int) {
        out += "Content-Length: ".utf8
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0, v = max(0, n)
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(0x30 + v % 10)
                v /= 10
                count += 1
            } while v > 0
            for k in stride(from: count - 1, through: 0, by: -1) { out.append(d[k]) }
        }
        out += [0x0D, 0x0A]
    }

    private func parseUpstreamHead(_ p: ProxyExchange) {
        guard let end = Connection.findHeadEnd(p.headBuffer) else {
            if p.headBuffer.count > 64 * 1024 { failProxy(HTTPError(502, code: "bad_gateway", message: "The service sent an oversized response head.")) }
            return
        }
        guard let parsed = UpstreamHead.parse(p.headBuffer, end: end, dropCookies: p.sandboxed) else {
            failProxy(HTTPError(502, code: "bad_gateway",
                                message: "The service answered something that is not well-formed HTTP (lines must end in CRLF; header names are tokens). Check its logs."))
            return
        }
        let rest = Array(p.headBuffer[(end + 4)...])
        p.headBuffer = []
        let status = parsed.status
        if status >= 100 && status < 200 && status != 101 {
            // An interim answer (100 Continue): drop it, the real head follows.
            p.headBuffer = rest
            if !rest.isEmpty { parseUpstreamHead(p) }
            return
        }
        if parsed.connectionClose || parsed.http10 { p.reusable = false }
        var out: [UInt8] = []
        out.reserveCapacity(parsed.forwarded.count + 256)
        out += parsed.statusLine
        out += [0x0D, 0x0A]
        out += loop.dateLine
        out += "X-Request-Id: ".utf8
        out += p.requestID.utf8
        out += [0x0D, 0x0A]
        out += parsed.forwarded
        if p.sandboxed { out += Connection.sandboxPolicy }
        let noBody = p.isHead || status == 204 || status == 304
        if status == 101 {
            out += "Connection: Upgrade\r\n".utf8
            if let up = parsed.upgrade { out += "Upgrade: ".utf8; out += up; out += [0x0D, 0x0A] }
            p.state = .tunnel
            p.reusable = false
            keepAlive = false
        } else if noBody {
            if let cl = parsed.contentLength { Connection.appendContentLength(&out, cl) }
            p.state = .done
        } else if parsed.chunked {
            out += "Transfer-Encoding: chunked\r\n".utf8
            p.state = .chunked(ChunkScanner())
        } else if let n = parsed.contentLength {
            Connection.appendContentLength(&out, n)
            p.state = n == 0 ? .done : .fixed(n)
        } else {
            p.state = .untilClose  // the body ends when the service closes: so does this connection
            p.reusable = false
            keepAlive = false
        }
        if status != 101 {
            if !keepAlive { out += "Connection: close\r\n".utf8 } else if requestVersion == .http1_0 { out += "Connection: keep-alive\r\n".utf8 }
        }
        out += [0x0D, 0x0A]
        append(out)
        if loop.shared.logger.isEnabled(.debug) {
            loop.shared.logger.debug("proxy.response", ["request_id": p.requestID, "status": "\(status)", "port": "\(p.upstream.port)"])
        }
        if case .tunnel = p.state {
            proxyInbound()  // bytes the client already sent after its upgrade request
        }
        if !rest.isEmpty {
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
        exchangeFinished()
    }

    /// Pages served on the platform's own origin (`/s/<slug>/`) run in an opaque origin: no access to the
    /// dashboard's cookies, storage or same-origin requests.
    static let sandboxPolicy = Array("Content-Security-Policy: sandbox allow-scripts allow-forms allow-popups\r\n".utf8)

    static func findHeadEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 0x0D && b[i + 1] == 0x0A && b[i + 2] == 0x0D && b[i + 3] == 0x0A { return i }
        return nil
    }
}
