/// How this server frames an answer of its own: the status line, its Date and X-Request-Id, the handler's headers
/// (cleaned: framing headers are the server's, a value never splits the head) and the framing for the body.
enum ResponseHead {
    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let framingHeaders: Set<String> = ["content-length", "transfer-encoding", "connection", "date", "x-request-id"]

    /// Appends the status line and headers to `outbound`, and for byte bodies the body too (none for HEAD).
    static func write(_ response: Response, into outbound: inout [UInt8], dateLine: [UInt8], requestID: String, contentLength: Int?,
                      chunked: Bool, isHeadRequest: Bool, keepAlive: Bool, version requestVersion: HTTPVersion) {
        let status = response.status
        outbound.append(contentsOf: "HTTP/1.1 \(status) \(StatusText.reason(status))\r\n".utf8)
        outbound.append(contentsOf: dateLine)
        outbound.append(contentsOf: "X-Request-Id: \(requestID)\r\n".utf8)
        for field in response.headers.fields {
            let lower = field.name.lowercased()
            if ResponseHead.framingHeaders.contains(lower) { continue }
            if lower == "upgrade", status != 101 { continue }
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(HeadParser.isTokenChar) else { continue }
            // A value with CR or LF would split the response: never emit it as is.
            let value = field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 })
                ? field.value.replacingLineBreaks() : field.value
            outbound.append(contentsOf: field.name.utf8)
            outbound.append(contentsOf: [0x3A, 0x20])
            outbound.append(contentsOf: value.utf8)
            outbound.append(contentsOf: ResponseHead.crlf)
        }
        var bodyBytes: [UInt8]?
        if status == 101 {
            outbound.append(contentsOf: "Connection: Upgrade\r\n".utf8)
        } else {
            if case .bytes(let b) = response.body {
                if !StatusText.forbidsBody(status) {
                    outbound.append(contentsOf: "Content-Length: \(b.count)\r\n".utf8)
                    if !isHeadRequest { bodyBytes = b }
                }
            } else if let contentLength {
                outbound.append(contentsOf: "Content-Length: \(contentLength)\r\n".utf8)
            } else if chunked {
                outbound.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
            }
            if !keepAlive {
                outbound.append(contentsOf: "Connection: close\r\n".utf8)
            } else if requestVersion == .http1_0 {
                outbound.append(contentsOf: "Connection: keep-alive\r\n".utf8)
            }
        }
        outbound.append(contentsOf: ResponseHead.crlf)
        if let bodyBytes { outbound.append(contentsOf: bodyBytes) }
    }
}
