import Core

/// The head of a request, validated: framing decided, smuggling vectors rejected.
/// `package` (here and below): the fuzz target drives the parser without `@testable`, so release builds link it.
package struct RequestHead {
    var method: String
    package var target: String
    var version: HTTPVersion
    var headers: HTTPHeaders
    var contentLength: Int
    var chunked: Bool
    var expectContinue: Bool
    var keepAlive: Bool
}

package struct ParseFailure: Error {
    var status: Int
    var code: String
    var message: String
}

package enum ParseStep {
    case needMore
    /// A head whose body follows: the connection decides now whether the body is collected or streamed.
    case headWithBody(RequestHead)
    case request(RequestHead, [UInt8])
    /// Streaming mode: the next piece of the body; `end` on the last one.
    case bodyPiece([UInt8], end: Bool)
    case failure(ParseFailure)
}

/// An incremental HTTP/1.1 request parser (RFC 9112) over the connection's input buffer.
/// It consumes bytes by advancing `index`; a partial request stays in the buffer until complete.
package struct RequestParser {
    enum State {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
    }

    private(set) var state: State = .head
    /// How much of the current head was already searched for its end, so slow clients cost O(n).
    private var scanned = 0
    /// Length of the current request line once its LF was seen, else -1.
    private var requestLineLength = -1
    private(set) var head: RequestHead?
    private var body: [UInt8] = []
    /// Bytes of the current body seen so far (collected or streamed).
    private var bodySeen = 0
    let limits: ServerLimits
    /// Set by the connection at `.headWithBody`: hand the body on in pieces instead of collecting it.
    var streamBody = false
    /// The largest body accepted for the current request.
    var bodyLimit: Int

    package init(limits: ServerLimits) {
        self.limits = limits
        self.bodyLimit = limits.maxBodyBytes
    }

    /// True between requests: nothing of a next request has been seen.
    var isBetweenRequests: Bool {
        if case .head = state { return scanned == 0 }
        return false
    }

    var isReadingBody: Bool {
        if case .head = state { return false }
        return true
    }

    package mutating func parse(_ buf: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> ParseStep {
        while true {
            switch state {
            case .head:
                if scanned == 0 {
                    // RFC 9112 §2.2: ignore empty lines before a request line.
                    var skipped = 0
                    while index < buf.count, buf[index] == 0x0D || buf[index] == 0x0A, skipped < 8 { index += 1; skipped += 1 }
                    if index < buf.count, buf[index] == 0x0D || buf[index] == 0x0A {
                        return .failure(ParseFailure(status: 400, code: "bad_request", message: "Too many empty lines before the request line."))
                    }
                }
                guard index < buf.count else { return .needMore }
                switch parseHead(buf, &index) {
                case .needMore: return .needMore
                case .failure(let f): return .failure(f)
                case .request(let h, _):
                    streamBody = false
                    bodyLimit = limits.maxBodyBytes
                    bodySeen = 0
                    if h.chunked {
                        head = h
                        state = .chunkSize
                        return .headWithBody(h)
                    } else if h.contentLength > 0 {
                        head = h
                        state = .fixedBody(remaining: h.contentLength)
                        return .headWithBody(h)
                    } else {
                        return .request(h, [])
                    }
                default:
                    return .needMore
                }
            case .fixedBody(let remaining):
                let available = buf.count - index
                if streamBody {
                    let take = min(available, remaining)
                    guard take > 0 else { return .needMore }
                    let piece = Array(UnsafeBufferPointer(rebasing: buf[index..<index + take]))
                    index += take
                    if take == remaining {
                        state = .head
                        head = nil
                        return .bodyPiece(piece, end: true)
                    }
                    state = .fixedBody(remaining: remaining - take)
                    return .bodyPiece(piece, end: false)
                }
                guard available >= remaining else { return .needMore }
                let bytes = Array(UnsafeBufferPointer(rebasing: buf[index..<index + remaining]))
                index += remaining
                return complete(bytes)
            case .chunkSize:
                guard let lineEnd = findLF(buf, from: index, limit: 1024) else {
                    if buf.count - index > 1024 { return fail(400, "The chunk size line is longer than 1024 bytes.") }
                    return .needMore
                }
                guard let line = lineBytes(buf, index, lineEnd), let size = parseChunkSize(line) else {
                    return fail(400, "A chunk size is not valid hexadecimal.")
                }
                if size > bodyLimit - bodySeen {
                    return .failure(ParseFailure(status: 413, code: "body_too_large",
                                                 message: "The request body exceeds \(bodyLimit) bytes. Send less, or raise --max-body."))
                }
                bodySeen += size
                index = lineEnd + 1
                state = size == 0 ? .trailers(bytes: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let take = min(remaining, buf.count - index)
                guard take > 0 else { return .needMore }
                let piece = UnsafeBufferPointer(rebasing: buf[index..<index + take])
                index += take
                state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
                if streamBody { return .bodyPiece(Array(piece), end: false) }
                body.append(contentsOf: piece)
            case .chunkDataEnd:
                guard index < buf.count else { return .needMore }
                if buf[index] == 0x0A {
                    index += 1
                } else if buf[index] == 0x0D {
                    guard index + 1 < buf.count else { return .needMore }
                    guard buf[index + 1] == 0x0A else { return fail(400, "A chunk is not followed by CRLF.") }
                    index += 2
                } else {
                    return fail(400, "A chunk is longer than its declared size.")
                }
                state = .chunkSize
            case .trailers(let bytes):
                guard let lineEnd = findLF(buf, from: index, limit: limits.maxHeaderBytes) else {
                    if bytes + buf.count - index > limits.maxHeaderBytes { return fail(431, "The trailer section is too large.") }
                    return .needMore
                }
                guard let line = lineBytes(buf, index, lineEnd) else { return fail(400, "A trailer line has a bare CR.") }
                index = lineEnd + 1
                if line.isEmpty { return complete(body) }
                let total = bytes + line.count
                if total > limits.maxHeaderBytes { return fail(431, "The trailer section is too large.") }
                state = .trailers(bytes: total)
            }
        }
    }

    private mutating func complete(_ bytes: [UInt8]) -> ParseStep {
        let h = head!
        head = nil
        body = []
        state = .head
        if streamBody { return .bodyPiece([], end: true) }
        return .request(h, bytes)
    }

    private func fail(_ status: Int, _ message: String) -> ParseStep {
        .failure(ParseFailure(status: status, code: status == 431 ? "headers_too_large" : "bad_request", message: message))
    }

    // MARK: head

    private mutating func parseHead(_ buf: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> ParseStep {
        let start = index
        // Find the empty line that ends the head, resuming where the last search stopped.
        var i = start + max(0, scanned - 2)
        var end = -1
        while i < buf.count {
            if buf[i] == 0x0A {
                if requestLineLength < 0 { requestLineLength = i - start }
                if i + 1 < buf.count, buf[i + 1] == 0x0A { end = i + 2; break }
                if i + 2 < buf.count, buf[i + 1] == 0x0D, buf[i + 2] == 0x0A { end = i + 3; break }
            }
            i += 1
        }
        let lineLimit = limits.maxRequestLineBytes
        if (requestLineLength < 0 && buf.count - start > lineLimit) || requestLineLength > lineLimit {
            return .failure(ParseFailure(status: 414, code: "uri_too_long",
                                         message: "The request line exceeds \(lineLimit) bytes. Shorten the URL or send data in the body."))
        }
        if end < 0 {
            scanned = buf.count - start
            if scanned > limits.maxHeaderBytes { return headTooLarge() }
            return .needMore
        }
        if end - start > limits.maxHeaderBytes { return headTooLarge() }
        scanned = 0
        requestLineLength = -1
        index = end
        switch HeadParser(limits: limits).parse(UnsafeBufferPointer(rebasing: buf[start..<end])) {
        case .success(let h): return .request(h, [])
        case .failure(let f): return .failure(f)
        }
    }

    private func headTooLarge() -> ParseStep {
        .failure(ParseFailure(status: 431, code: "headers_too_large",
                              message: "The request head exceeds \(limits.maxHeaderBytes) bytes. Send fewer or smaller headers."))
    }

    // MARK: helpers

    private func findLF(_ buf: UnsafeBufferPointer<UInt8>, from: Int, limit: Int) -> Int? {
        var i = from
        let stop = min(buf.count, from + limit + 2)
        while i < stop {
            if buf[i] == 0x0A { return i }
            i += 1
        }
        return nil
    }

    /// The line's bytes without its CR LF; nil when a CR appears anywhere else.
    private func lineBytes(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ lf: Int) -> ArraySlice<UInt8>? {
        var stop = lf
        if stop > start, buf[stop - 1] == 0x0D { stop -= 1 }
        let slice = Array(UnsafeBufferPointer(rebasing: buf[start..<stop]))[...]
        if slice.contains(0x0D) { return nil }
        return slice
    }

    private func parseChunkSize(_ line: ArraySlice<UInt8>) -> Int? {
        var value = 0
        var digits = 0
        var i = line.startIndex
        while i < line.endIndex, let d = PercentEncoding.hexValue(line[i]) {
            digits += 1
            if digits > 15 { return nil }
            value = value << 4 | Int(d)
            i += 1
        }
        guard digits > 0 else { return nil }
        // Only whitespace and chunk extensions may follow.
        while i < line.endIndex, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
        if i < line.endIndex, line[i] != 0x3B { return nil }
        return value
    }
}
