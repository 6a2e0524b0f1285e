import CNetShim
import Core
#if canImport(Glibc)
import Glibc
#endif

/// One client connection, confined to its event loop's thread: the HTTP/1 exchange state machine. It reads and parses
/// requests, dispatches them, writes their answers and keeps the connection alive between them.
/// Requests are answered strictly in order: while one is being handled, later pipelined ones wait in the buffer.
/// A streamed body (`BodyStream`), a forwarded request (`ProxyExchange`) and a WebSocket (`WebSocketSession`) each keep
/// their own state; the connection holds the one that runs and moves on when it ends.
final class Connection {
    enum Phase {
        case reading      // parsing the next request
        case handling     // a task is computing the response
        case streaming    // a streamed body is being written
        case proxying     // forwarding to a service: see ProxyExchange
        case webSocket
        case lingering    // output sent, write side shut; draining input briefly so the peer sees our answer
        case closed
    }

    let fd: Int32
    let id: UInt64
    // The loop outlives every connection it owns: no reference counting on this hot path.
    unowned(unsafe) let loop: EventLoop
    var phase: Phase = .reading
    var inbound: [UInt8] = []
    var readIndex = 0
    var outbound: [UInt8] = []
    var written = 0
    var parser: RequestParser
    /// The current request's facts needed when its response goes out.
    var keepAlive = true
    var isHeadRequest = false
    var requestVersion: HTTPVersion = .http1_1
    var sequence: UInt64 = 0
    var closeAfterFlush = false
    var peerClosed = false
    var continueSent = false
    var processing = false
    /// The epoll mask last registered (read with RDHUP to start).
    var interestMask = OP_EPOLLIN | OP_EPOLLRDHUP
    // Timestamps (monotonic ns) that drive `deadline`.
    var headStartedAt: UInt64 = 0
    var bodyStartedAt: UInt64 = 0
    var idleSince: UInt64
    var writeProgressAt: UInt64 = 0
    var lingerSince: UInt64 = 0
    private(set) var deadline: UInt64 = 0
    /// Writers waiting for the client to read (a streamed body, a WebSocket's sends).
    private var backpressure = Backpressure()
    var webSocket: WebSocketSession?
    /// The exchange being forwarded to a service, in phase `.proxying`.
    private(set) var proxy: ProxyExchange?
    var peerAddress: String?
    /// The route found when a head with a body arrived, used again when the body is complete.
    var pendingMatch: Router.Match?
    /// The streamed body being written, in phase `.streaming`: cancelled when the client goes away.
    private var stream: BodyStream?

    static let highWater = Backpressure.highWater
    static let pausedInputLimit = 64 * 1024

    init(fd: Int32, id: UInt64, loop: EventLoop) {
        self.fd = fd
        self.id = id
        self.loop = loop
        self.parser = RequestParser(limits: loop.shared.limits)
        self.idleSince = loop.now
        updateDeadline()
    }

    var isOpen: Bool { phase != .closed }
    var limits: ServerLimits { loop.shared.limits }
    var pendingOutput: Int { outbound.count - written }
    var handle: ConnectionHandle { ConnectionHandle(loop: loop, fd: fd, id: id) }

    // MARK: events

    func onReadable() {
        loop.assertInEventLoop()
        var sawData = false
        while phase != .closed {
            let n = Glibc.read(fd, loop.scratch.baseAddress, loop.scratch.count)
            if n > 0 {
                sawData = true
                if phase != .lingering {
                    inbound.append(contentsOf: UnsafeRawBufferPointer(rebasing: loop.scratch[0..<n]))
                }
                if n < loop.scratch.count { break }
            } else if n == 0 {
                peerClosed = true
                break
            } else {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                close()
                return
            }
        }
        switch phase {
        case .closed: return
        case .lingering:
            if peerClosed { close() }
            return
        case .webSocket:
            if sawData { webSocketInput() }
            if peerClosed { close(); return }
        case .reading:
            processInbound()
            if peerClosed, phase == .reading, pendingOutput == 0 {
                close()
                return
            }
        case .proxying:
            if sawData { proxy?.clientInput() }
            if peerClosed, let p = proxy, !p.requestBodyDone || p.responseStarted {
                close()  // the client left mid-request, mid-response or closed its tunnel
                return
            }
        case .streaming:
            if peerClosed {
                close()  // a client that leaves a stream is gone: stop producing for it
                return
            }
        case .handling:
            break
        }
        if peerClosed { keepAlive = false }
        updateInterest()
        updateDeadline()
    }

    func onWritable() {
        loop.assertInEventLoop()
        flush()
    }

    func onTimeout() {
        loop.assertInEventLoop()
        if pendingOutput > 0 || phase == .lingering {
            close()
            return
        }
        switch phase {
        case .reading:
            if parser.isBetweenRequests && readIndex == inbound.count {
                close()  // an idle keep-alive connection: close quietly
            } else {
                keepAlive = false
                requestVersion = .http1_1
                isHeadRequest = false
                respondError(HTTPError(408, code: "request_timeout",
                                       message: "The request was not received in time. Send the whole request promptly."),
                             requestID: loop.makeRequestID())
            }
        case .webSocket:
            // The peer never answered our close frame or our ping: it is gone.
            if webSocket?.timedOut(self) ?? true { close() } else { updateDeadline() }
        case .proxying:
            guard let p = proxy else { deadline = 0; return }
            if p.awaitsRelayConnection { p.relayConnectTimedOut(); return }
            // The deadline may have been the relay's connect timeout, and it connected since: wait on for the answer.
            let due = p.started + UInt64(limits.proxyResponseTimeout * 1e9)
            if loop.now < due { deadline = due; return }
            p.fail(HTTPError(504, code: "gateway_timeout",
                             message: "The service did not answer within \(Int(limits.proxyResponseTimeout)) s. Check its logs."))
        default:
            deadline = 0
        }
    }

    /// Answers 503 to a connection over the limit.
    func reject() {
        keepAlive = false
        respondError(HTTPError(503, code: "too_many_connections",
                               message: "The server has too many open connections. Retry shortly.",
                               headers: [("Retry-After", "1")]),
                     requestID: loop.makeRequestID())
    }

    func closeIfIdle() {
        if phase == .reading, parser.isBetweenRequests, readIndex == inbound.count, pendingOutput == 0 {
            close()
        }
    }

    // MARK: requests

    func processInbound() {
        guard !processing else { return }
        processing = true
        defer {
            processing = false
            compactInbound()
            flush()  // one write for every response this pass produced (pipelining)
        }
        while phase == .reading && !closeAfterFlush {
            let step = inbound.withUnsafeBufferPointer { parser.parse($0, &readIndex) }
            switch step {
            case .needMore:
                if parser.isReadingBody, let head = parser.head, head.expectContinue, !continueSent {
                    continueSent = true
                    outbound.append(contentsOf: Connection.continueLine)
                }
                if !parser.isBetweenRequests && headStartedAt == 0 { headStartedAt = loop.now }
                if parser.isReadingBody && bodyStartedAt == 0 { bodyStartedAt = loop.now }
                return
            case .failure(let f):
                keepAlive = false
                isHeadRequest = false
                requestVersion = .http1_1
                respondError(HTTPError(f.status, code: f.code, message: f.message), requestID: loop.makeRequestID())
                return
            case .headWithBody(let head):
                let (path, query) = Request.splitTarget(head.target)
                let match = route(head, path: path)
                if case .found(.proxy(let resolve), let params)? = match {
                    parser.streamBody = true
                    parser.bodyLimit = limits.maxProxyBodyBytes
                    guard head.contentLength <= limits.maxProxyBodyBytes else { return rejectBody(limits.maxProxyBodyBytes) }
                    beginProxy(head, path: path, query: query, resolve, params, bodyPending: true)
                } else {
                    guard head.contentLength <= limits.maxBodyBytes else { return rejectBody(limits.maxBodyBytes) }
                    pendingMatch = match
                }
            case .request(let head, let body):
                dispatch(head, body)
            case .bodyPiece:
                break  // only in .proxying, read by the exchange (`nextBodyStep`)
            }
        }
    }

    private func rejectBody(_ limit: Int) {
        keepAlive = false
        isHeadRequest = false
        requestVersion = .http1_1
        respondError(HTTPError(413, code: "body_too_large", message: "The request body exceeds \(limit) bytes. Send less, or raise --max-body."),
                     requestID: loop.makeRequestID())
    }

    private func respondDirect(_ response: Response, _ request: Request) {
        respond(response, request, loop.now)
    }

    func compactInbound() {
        if readIndex == inbound.count {
            inbound.removeAll(keepingCapacity: inbound.capacity <= 256 * 1024)
            readIndex = 0
        } else if readIndex > 64 * 1024 {
            inbound.removeFirst(readIndex)
            readIndex = 0
        }
    }

    /// Routes a head: host rule first, then the path router. `path` is the head's target without its query.
    private func route(_ head: RequestHead, path: String) -> Router.Match? {
        let router = loop.shared.router
        if let screen = router.screen, let refused = screen(ScreenedRequest(method: head.method, path: path, headers: head.headers)) {
            return .refused(refused)
        }
        if let (handler, params) = router.matchHost(head.headers["Host"]) { return .found(handler, params) }
        return router.match(method: head.method, path: path)
    }

    /// A new request begins: its facts for the answer, and its id (the client's when it is sane).
    private func startRequest(_ head: RequestHead) -> String {
        sequence &+= 1
        headStartedAt = 0
        bodyStartedAt = 0
        continueSent = false
        keepAlive = head.keepAlive && !peerClosed && !loop.shared.isDraining
        isHeadRequest = head.method == "HEAD"
        requestVersion = head.version
        return Connection.clientRequestID(head.headers["X-Request-Id"]) ?? loop.makeRequestID()
    }

    private func dispatch(_ head: RequestHead, _ body: [UInt8]) {
        let match: Router.Match?
        if let pending = pendingMatch {
            match = pending
            pendingMatch = nil
        } else {
            let (path, query) = Request.splitTarget(head.target)
            match = route(head, path: path)
            if case .found(.proxy(let resolve), let params)? = match {
                beginProxy(head, path: path, query: query, resolve, params, bodyPending: false)
                return
            }
        }
        let requestID = startRequest(head)
        var request = Request(method: head.method, target: head.target, version: head.version,
                              headers: head.headers, body: body, requestID: requestID)
        let started = loop.now
        switch match {
        case .none:
            respond(Response.error(400, code: "bad_request", message: "The path has a malformed percent-escape."), request, started)
        case .refused(let response):
            respond(response, request, started)
        case .notFound:
            respond(Response.error(404, code: "not_found",
                                   message: "No route for \(head.method) \(request.path). The platform API is under /api/v1/."), request, started)
        case .methodNotAllowed(let allow):
            let allowText = allow.joined(separator: ", ")
            if head.method == "OPTIONS" {
                respond(Response(status: 204, headers: HTTPHeaders([("Allow", allowText)])), request, started)
            } else {
                var r = Response.error(405, code: "method_not_allowed", message: "\(head.method) is not allowed here. Allowed: \(allowText).")
                r.headers.add("Allow", allowText)
                respond(r, request, started)
            }
        case .found(let handler, let params):
            request.parameters = params
            request.peer = peerIP()
            switch handler {
            case .inline(let f):
                let response: Response
                do { response = try f(request) } catch { response = errorResponse(error, request) }
                respond(response, request, started)
            case .task(let f):
                phase = .handling
                deadline = 0
                let handle = self.handle, seq = sequence, logger = loop.shared.logger, request = request
                Task {
                    let response: Response
                    do { response = try await f(request) } catch { response = Connection.errorResponse(error, request, logger) }
                    handle.run { c in
                        guard let c, c.sequence == seq, c.phase == .handling else { return }
                        c.respond(response, request, started)
                        c.processInbound()
                        c.updateInterest()
                        c.updateDeadline()
                    }
                }
                updateInterest()
            case .proxy:
                break  // proxied heads never wait for their body here: routed as they arrive (processInbound)
            }
        }
    }

    private func errorResponse(_ error: Error, _ request: Request) -> Response {
        Connection.errorResponse(error, request, loop.shared.logger)
    }

    static func errorResponse(_ error: Error, _ request: Request, _ logger: Logger) -> Response {
        if let e = error as? HTTPError { return Response.error(e) }
        logger.error("http.handler_failed", ["request_id": request.requestID, "method": request.method,
                                             "path": request.path, "error": String(describing: error)])
        return Response.error(500, code: "internal_error",
                              message: "The server failed to answer. Quote request id \(request.requestID) when reporting it.")
    }

    /// Answers an error produced before any request object exists (parse errors, timeouts, rejections), then closes.
    private func respondError(_ e: HTTPError, requestID: String) {
        keepAlive = false
        writeHead(Response.error(e), requestID: requestID, contentLength: nil)
        if loop.shared.logger.isEnabled(.debug) {
            loop.shared.logger.debug("http.rejected", ["request_id": requestID, "status": "\(e.status)", "reason": e.message])
        }
        closeAfterFlush = true
        flush()
    }

    func respond(_ response: Response, _ request: Request, _ started: UInt64) {
        loop.assertInEventLoop()
        if loop.shared.isDraining { keepAlive = false }  // shutting down: this is the connection's last answer
        let logger = loop.shared.logger
        if logger.isEnabled(.debug) || response.status >= 500 {
            let ms = Double(Clock.monotonicNanos() - started) / 1e6
            logger.log(response.status >= 500 ? .warn : .debug, "http.request",
                       ["request_id": request.requestID, "method": request.method, "path": request.path,
                        "status": "\(response.status)", "ms": String(format: "%.2f", ms)])
        }
        switch response.body {
        case .bytes:
            writeHead(response, requestID: request.requestID, contentLength: nil)
            phase = .reading
            idleSince = loop.now
            if !keepAlive { closeAfterFlush = true }
        case .stream(let length, let produce):
            let chunked = length == nil && requestVersion == .http1_1
            if length == nil && !chunked { keepAlive = false }  // HTTP/1.0: the end of the body is the end of the connection
            writeHead(response, requestID: request.requestID, contentLength: length, chunked: chunked)
            if isHeadRequest || StatusText.forbidsBody(response.status) {
                phase = .reading
                if !keepAlive { closeAfterFlush = true }
            } else {
                phase = .streaming
                stream = BodyStream(produce, chunked: chunked, length: length, on: self)
            }
        case .webSocket(let run):
            guard response.status == 101 else {
                writeHead(Response.error(500, code: "internal_error", message: "A WebSocket answer must have status 101."),
                          requestID: request.requestID, contentLength: nil)
                closeAfterFlush = true
                break
            }
            writeHead(response, requestID: request.requestID, contentLength: nil)
            startWebSocket(run, request)
        }
        if !processing { flush() }
    }

    // MARK: writing

    static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Queues the status line and headers, and for byte bodies the body too.
    private func writeHead(_ response: Response, requestID: String, contentLength: Int?, chunked: Bool = false) {
        ResponseHead.write(response, into: &outbound, dateLine: loop.dateLine, requestID: requestID, contentLength: contentLength,
                           chunked: chunked, isHeadRequest: isHeadRequest, keepAlive: keepAlive, version: requestVersion)
    }

    func append(_ bytes: [UInt8]) { outbound.append(contentsOf: bytes) }

    /// Sends what is queued, then closes (used when a WebSocket ends).
    func closeAfterWriting() {
        closeAfterFlush = true
        flush()
    }

    func flush() {
        guard phase != .closed else { return }
        if written == 0 { writeProgressAt = loop.now }  // the write deadline counts from when output was queued
        while written < outbound.count {
            let n = outbound.withUnsafeBytes { op_send(fd, $0.baseAddress! + written, $0.count - written) }
            if n > 0 {
                written += n
                writeProgressAt = loop.now
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                updateInterest()
                updateDeadline()
                backpressure.drained(pendingOutput: pendingOutput)
                return
            } else {
                close()
                return
            }
        }
        outbound.removeAll(keepingCapacity: outbound.capacity <= 256 * 1024)
        written = 0
        backpressure.drained(pendingOutput: 0)
        proxy?.clientDrained()
        if closeAfterFlush && phase != .lingering {
            beginLingeringClose()
            return
        }
        updateInterest()
        updateDeadline()
    }

    /// Queues `bytes` for a streaming writer; resumes it once the output has room (backpressure).
    func streamWrite(_ bytes: [UInt8], _ continuation: CheckedContinuation<Void, Error>) {
        loop.assertInEventLoop()
        outbound.append(contentsOf: bytes)
        flush()
        guard phase != .closed else { continuation.resume(throwing: ConnectionClosedError()); return }
        backpressure.admit(continuation, pendingOutput: pendingOutput)
    }

    /// Shuts our side and reads what the peer still sends for a moment, so it receives our answer instead of a reset.
    private func beginLingeringClose() {
        phase = .lingering
        lingerSince = loop.now
        shutdown(fd, Int32(SHUT_WR))
        inbound.removeAll()
        readIndex = 0
        updateInterest()
        updateDeadline()
    }

    func close() {
        loop.assertInEventLoop()
        guard phase != .closed else { return }
        if let p = proxy {
            proxy = nil
            p.detach()
        }
        stream?.cancel()
        stream = nil
        phase = .closed
        loop.forget(self)
        Glibc.close(fd)
        backpressure.fail()
        webSocket?.connectionClosed()
    }

    // MARK: epoll interest and deadlines

    func updateInterest() {
        guard phase != .closed else { return }
        let backlog = inbound.count - readIndex
        let read: Bool
        switch phase {
        case .reading, .lingering: read = !peerClosed
        case .handling, .streaming: read = !peerClosed && backlog < Connection.pausedInputLimit
        case .proxying: read = !peerClosed && backlog < Connection.pausedInputLimit && (proxy?.upstream.pendingOutput ?? 0) < Connection.highWater
        case .webSocket: read = !peerClosed && (webSocket?.acceptsInput ?? true) && pendingOutput < Connection.highWater * 4
        case .closed: read = false
        }
        // Once the peer has half-closed, RDHUP would be reported on every wait: stop asking for it.
        var mask = peerClosed ? 0 : OP_EPOLLRDHUP
        if read { mask |= OP_EPOLLIN }
        if pendingOutput > 0 { mask |= OP_EPOLLOUT }
        if mask != interestMask {
            interestMask = mask
            loop.setInterest(fd, mask: mask)
        }
    }

    func updateDeadline() {
        let l = limits
        func ns(_ s: Double) -> UInt64 { UInt64(s * 1e9) }
        if phase == .lingering {
            deadline = lingerSince + 2_000_000_000
        } else if pendingOutput > 0 {
            deadline = writeProgressAt + ns(l.writeTimeout)
        } else {
            switch phase {
            case .reading:
                if bodyStartedAt != 0 {
                    deadline = bodyStartedAt + ns(l.bodyTimeout)
                } else if headStartedAt != 0 {
                    deadline = headStartedAt + ns(l.headerTimeout)
                } else if readIndex < inbound.count {
                    headStartedAt = loop.now
                    deadline = headStartedAt + ns(l.headerTimeout)
                } else {
                    deadline = idleSince + ns(l.idleTimeout)
                }
            case .webSocket:
                deadline = webSocket?.deadline ?? 0
            case .proxying:
                if let p = proxy, !p.responseStarted {
                    deadline = p.started + ns(p.awaitsRelayConnection ? min(l.relayConnectTimeout, l.proxyResponseTimeout) : l.proxyResponseTimeout)
                } else {
                    deadline = 0
                }
            default:
                deadline = 0
            }
        }
    }

    // MARK: streamed bodies

    /// The streamed body's producer returned (see `BodyStream`).
    func streamEnded(incomplete: Bool) {
        loop.assertInEventLoop()
        let ended = stream
        stream = nil
        if incomplete {
            // Mid-stream there is no way to send an error: end the connection so the client sees a truncated body.
            keepAlive = false
            closeAfterFlush = true
            flush()
            return
        }
        if let end = ended?.end { outbound.append(contentsOf: end) }
        exchangeFinished()
    }

    // MARK: the proxy

    /// Asks the route's resolver where the request goes, and starts forwarding it there or answers for it.
    /// The body (if any) streams after, through the exchange.
    private func beginProxy(_ head: RequestHead, path: String, query: String, _ resolve: @Sendable (ProxyRequest) -> ProxyDecision,
                            _ params: [String: String], bodyPending: Bool) {
        let request = ProxiedRequest(head: head, path: path, query: query, requestID: startRequest(head))
        let decision = resolve(ProxyRequest(method: head.method, path: path, rawQuery: query, headers: head.headers,
                                            parameters: params, requestID: request.requestID))
        switch decision {
        case .respond(let response):
            if bodyPending { keepAlive = false }  // the body is not read: end the connection after answering
            respondDirect(response, Request(method: head.method, target: head.target, version: head.version,
                                            headers: head.headers, requestID: request.requestID))
        case .relay(let address):
            guard let upstream = loop.acquireUpstream(address) else {
                if bodyPending { keepAlive = false }
                respondDirect(ProxyExchange.moving, Request(method: head.method, target: head.target, headers: head.headers, requestID: request.requestID))
                return
            }
            let exchange = ProxyExchange(client: self, upstream: upstream, request: request, started: loop.now,
                                         requestBodyDone: !bodyPending, sandboxed: false, relayed: true)
            proxy = exchange
            phase = .proxying
            exchange.start(head: ProxyHeaders.requestHead(request, target: head.target, prefix: "", peer: peerIP(),
                                                          credentialCookies: loop.shared.router.credentialCookies, relay: true))
            updateInterest()
            updateDeadline()
        case .forward(let port, let target, let prefix, let sandboxed):
            guard let upstream = loop.acquireUpstream(.loopback(port)) else {
                if bodyPending { keepAlive = false }
                respondDirect(Response.error(502, code: "bad_gateway", message: "The service did not accept a connection. Check its logs."),
                              Request(method: head.method, target: head.target, headers: head.headers, requestID: request.requestID))
                return
            }
            let exchange = ProxyExchange(client: self, upstream: upstream, request: request, started: loop.now,
                                         requestBodyDone: !bodyPending, sandboxed: sandboxed)
            proxy = exchange
            phase = .proxying
            exchange.start(head: ProxyHeaders.requestHead(request, target: target, prefix: prefix, peer: peerIP(),
                                                          credentialCookies: loop.shared.router.credentialCookies))
            updateInterest()
            updateDeadline()
        }
    }

    // What the running exchange may do to its client (see `ProxyExchange`).

    /// The next step of the request body streaming in from the client.
    func nextBodyStep() -> ParseStep {
        inbound.withUnsafeBufferPointer { parser.parse($0, &readIndex) }
    }

    /// Everything the client sent that is not read yet (a tunnel's bytes), or nil.
    func takeInput() -> [UInt8]? {
        var bytes: [UInt8]?
        if readIndex < inbound.count {
            bytes = Array(inbound[readIndex...])
            readIndex = inbound.count
        }
        compactInbound()
        return bytes
    }

    /// The exchange failed before the service answered: `response` goes to the client instead, logged with the
    /// request's own method and path, and the connection ends after it.
    func proxyFailed(_ response: Response, _ request: ProxiedRequest, started: UInt64) {
        loop.assertInEventLoop()
        proxy = nil
        keepAlive = false
        phase = .reading
        let head = request.head
        respond(response, Request(method: head.method, target: head.target, version: head.version, headers: head.headers,
                                  requestID: request.requestID), started)
    }

    /// The exchange is over: the connection goes on with the next request, or (`closing`: the response ended when
    /// the service closed) ends once its output is sent.
    func proxyEnded(closing: Bool) {
        loop.assertInEventLoop()
        proxy = nil
        if closing {
            keepAlive = false
            closeAfterWriting()
        } else {
            exchangeFinished()
        }
    }

    func peerIP() -> String {
        if let cached = peerAddress { return cached }
        var buf = [CChar](repeating: 0, count: 64)
        let ip = op_peer_ip(fd, &buf, 64) == 0 ? String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
        peerAddress = ip
        return ip
    }

    /// A response is complete: back to reading the next request (pipelined ones may be waiting).
    func exchangeFinished() {
        loop.assertInEventLoop()
        phase = .reading
        idleSince = loop.now
        if !keepAlive { closeAfterFlush = true }
        flush()
        processInbound()
        updateInterest()
        updateDeadline()
    }

    // MARK: WebSocket

    private func startWebSocket(_ run: @escaping @Sendable (WebSocket) async -> Void, _ request: Request) {
        phase = .webSocket
        let socket = WebSocket(handle: handle, request: request)
        webSocket = WebSocketSession(socket: socket, maxMessage: limits.maxWebSocketMessageBytes,
                                     pingInterval: limits.webSocketPingInterval, now: loop.now)
        Task {
            await run(socket)
            await socket.close(code: 1000)
        }
        if readIndex < inbound.count { webSocketInput() }
    }

    private func webSocketInput() {
        guard let session = webSocket else { return }
        session.consume(self)
        compactInbound()
    }

    // MARK: request ids

    /// The client's request id when it is short and made of safe characters; else nil.
    static func clientRequestID(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 128 else { return nil }
        let ok = value.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E || c == 0x3A
        }
        return ok ? value : nil
    }
}

/// The peer went away while we were writing to it.
public struct ConnectionClosedError: Error, Sendable {}

/// A Sendable way to reach a connection from another thread: the work runs on its loop, if it is still open.
struct ConnectionHandle: Sendable {
    let loop: EventLoop
    let fd: Int32
    let id: UInt64

    func run(_ work: @escaping @Sendable (Connection?) -> Void) {
        loop.execute { [loop, fd, id] in
            if let c = loop.connections[fd], c.id == id, c.isOpen { work(c) } else { work(nil) }
        }
    }
}
