/// Parses and validates one complete request head (request line, header fields, empty line).
struct HeadParser {
    let limits: ServerLimits

    func parse(_ buf: UnsafeBufferPointer<UInt8>) -> Result<RequestHead, ParseFailure> {
        var lines: [UnsafeBufferPointer<UInt8>] = []
        var lineStart = 0
        for i in 0..<buf.count where buf[i] == 0x0A {
            var stop = i
            if stop > lineStart, buf[stop - 1] == 0x0D { stop -= 1 }
            lines.append(UnsafeBufferPointer(rebasing: buf[lineStart..<stop]))
            lineStart = i + 1
        }
        // The last line is the empty one that ended the head.
        guard lines.count >= 2 else { return .failure(bad("The request has no request line.")) }
        if lines.count - 2 > limits.maxHeaderCount {
            return .failure(ParseFailure(status: 431, code: "headers_too_large",
                                         message: "The request has more than \(limits.maxHeaderCount) header fields."))
        }
        let (method, target, version): (String, String, HTTPVersion)
        switch parseRequestLine(lines[0]) {
        case .success(let v): (method, target, version) = v
        case .failure(let f): return .failure(f)
        }
        var headers = HTTPHeaders()
        for line in lines[1..<(lines.count - 1)] {
            switch parseField(line) {
            case .success(let f): headers.add(f.0, f.1)
            case .failure(let f): return .failure(f)
            }
        }
        return framing(method: method, target: target, version: version, headers: headers)
    }

    private func bad(_ message: String) -> ParseFailure {
        ParseFailure(status: 400, code: "bad_request", message: message)
    }

    private func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) -> Result<(String, String, HTTPVersion), ParseFailure> {
        let parts = line.split(separator: 0x20, maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .failure(bad("The request line must be METHOD SP target SP HTTP-version.")) }
        let m = parts[0], t = parts[1], v = parts[2]
        guard !m.isEmpty, m.count <= 32, m.allSatisfy(HeadParser.isTokenChar) else {
            return .failure(bad("The method is not a valid token."))
        }
        guard !t.isEmpty, t.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(bad("The request target has spaces or control characters."))
        }
        let target = String(decoding: t, as: UTF8.self)
        guard target.hasPrefix("/") || target.hasPrefix("http://") || target.hasPrefix("https://") || target == "*" else {
            return .failure(bad("The request target must start with '/'."))
        }
        let versionText = String(decoding: v, as: UTF8.self)
        let version: HTTPVersion
        switch versionText {
        case "HTTP/1.1": version = .http1_1
        case "HTTP/1.0": version = .http1_0
        default:
            if versionText.hasPrefix("HTTP/"), versionText.count == 8, versionText.utf8.allSatisfy({ $0 != 0x20 }) {
                return .failure(ParseFailure(status: 505, code: "http_version_not_supported",
                                             message: "Only HTTP/1.0 and HTTP/1.1 are served here."))
            }
            return .failure(bad("The HTTP version is malformed."))
        }
        return .success((String(decoding: m, as: UTF8.self), target, version))
    }

    private func parseField(_ line: UnsafeBufferPointer<UInt8>) -> Result<(String, String), ParseFailure> {
        guard let first = line.first else { return .failure(bad("An empty header line.")) }
        if first == 0x20 || first == 0x09 {
            return .failure(bad("Folded header lines (obs-fold) are not accepted."))
        }
        guard let colon = line.firstIndex(of: 0x3A) else { return .failure(bad("A header line has no colon.")) }
        let name = UnsafeBufferPointer(rebasing: line[0..<colon])
        guard !name.isEmpty, name.allSatisfy(HeadParser.isTokenChar) else {
            return .failure(bad("A header name has characters that are not allowed (spaces before the colon, CR, NUL...)."))
        }
        var vs = colon + 1, ve = line.count
        while vs < ve, line[vs] == 0x20 || line[vs] == 0x09 { vs += 1 }
        while ve > vs, line[ve - 1] == 0x20 || line[ve - 1] == 0x09 { ve -= 1 }
        let value = UnsafeBufferPointer(rebasing: line[vs..<ve])
        for b in value where !(b == 0x09 || (b >= 0x20 && b != 0x7F)) {
            return .failure(bad("A header value contains a control character (CR, NUL...)."))
        }
        return .success((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
    }

    /// Decides how the body is framed. Anything ambiguous is rejected: it is how requests get smuggled.
    private func framing(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders) -> Result<RequestHead, ParseFailure> {
        // One pass to see which framing headers are present: most requests carry none but Host.
        var hostCount = 0, hasLength = false, hasCoding = false, hasConnection = false
        var expect: String?
        for f in headers.fields {
            switch f.name.utf8.count {
            case 4 where f.name.equalsIgnoringASCIICase("host"): hostCount += 1
            case 6 where f.name.equalsIgnoringASCIICase("expect"): expect = f.value
            case 10 where f.name.equalsIgnoringASCIICase("connection"): hasConnection = true
            case 14 where f.name.equalsIgnoringASCIICase("content-length"): hasLength = true
            case 17 where f.name.equalsIgnoringASCIICase("transfer-encoding"): hasCoding = true
            default: break
            }
        }
        if hostCount > 1 { return .failure(bad("The request has more than one Host header.")) }
        if version == .http1_1, hostCount == 0 { return .failure(bad("HTTP/1.1 requests must carry a Host header.")) }

        var contentLength = 0
        if hasLength {
            let lengths = headers.values("Content-Length").flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map { $0.trimmingSpaces() }
            guard let first = lengths.first, lengths.allSatisfy({ $0 == first }),
                  !first.isEmpty, first.count <= 18, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let n = Int(first) else {
                return .failure(bad("Content-Length is not one non-negative integer."))
            }
            contentLength = n
        }
        var chunked = false
        if hasCoding {
            let codings = headers.values("Transfer-Encoding").flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces() }
            if hasLength { return .failure(bad("A request may not carry both Content-Length and Transfer-Encoding.")) }
            if version == .http1_0 { return .failure(bad("HTTP/1.0 requests may not use Transfer-Encoding.")) }
            guard let last = codings.last, last.equalsIgnoringASCIICase("chunked") else {
                return .failure(bad("Transfer-Encoding must end with chunked."))
            }
            if codings.count > 1 {
                return .failure(ParseFailure(status: 501, code: "not_implemented",
                                             message: "Only the chunked transfer coding is supported."))
            }
            chunked = true
        }
        // The body's size limit depends on the route (proxied bodies stream): the connection checks it.
        var expectContinue = false
        if let expect {
            guard expect.equalsIgnoringASCIICase("100-continue") else {
                return .failure(ParseFailure(status: 417, code: "expectation_failed", message: "Only 'Expect: 100-continue' is supported."))
            }
            expectContinue = version == .http1_1
        }
        let keepAlive = version == .http1_1
            ? !(hasConnection && headers.hasToken("Connection", "close"))
            : (hasConnection && headers.hasToken("Connection", "keep-alive"))
        return .success(RequestHead(method: method, target: target, version: version, headers: headers,
                                    contentLength: contentLength, chunked: chunked, expectContinue: expectContinue, keepAlive: keepAlive))
    }

    /// RFC 9110 tchar.
    static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
        default: false
        }
    }
}
