import Core
import Foundation

/// What the proxy does with a header, decided in one pass over its name's bytes (this runs for every header of
/// every proxied request and response).
enum ProxyHeaders {
    /// Marks a request one replica relayed to another (`ProxyDecision.relay`). A client sending it only keeps its
    /// own request from being relayed.
    static let relayMarker = RelayHeader.name

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

    /// The head sent to the service: the client's method and headers with hop-by-hop ones dropped, the platform's
    /// credentials taken out of `Cookie`, and the proxy's own `X-Forwarded-*` and `X-Request-Id`.
    /// Built as bytes: this runs for every proxied request.
    static func requestHead(_ request: ProxiedRequest, target: String, prefix: String, peer: String,
                            credentialCookies: Set<String>, relay: Bool = false) -> [UInt8] {
        let head = request.head
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
                let kept = ProxyHeaders.withoutCookies(value, credentialCookies)
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
        out += "X-Forwarded-For: ".utf8
        if let forwardedFor { out += forwardedFor.utf8; out += ", ".utf8 }
        out += peer.utf8
        out += "\r\nX-Forwarded-Proto: http\r\n".utf8
        if let host = head.headers["Host"] { out += "X-Forwarded-Host: ".utf8; out += host.utf8; out += [0x0D, 0x0A] }
        if !prefix.isEmpty { out += "X-Forwarded-Prefix: ".utf8; out += prefix.utf8; out += [0x0D, 0x0A] }
        out += "X-Request-Id: ".utf8
        out += request.requestID.utf8
        out += [0x0D, 0x0A]
        if relay { out += ProxyHeaders.relayMarker.utf8; out += ": 1\r\n".utf8 }
        if head.chunked {
            out += "Transfer-Encoding: chunked\r\n".utf8
        } else if head.contentLength > 0 {
            ProxyHeaders.appendContentLength(&out, head.contentLength)
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

    /// Where the head ends (the index of its blank line's CR), once it has all arrived.
    static func end(in b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 0x0D && b[i + 1] == 0x0A && b[i + 2] == 0x0D && b[i + 3] == 0x0A { return i }
        return nil
    }

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

