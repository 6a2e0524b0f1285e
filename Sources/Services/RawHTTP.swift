import CNetShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking one-shot HTTP/1.1 exchange on loopback (health probes, agents' test runs): status and body text.
public enum RawHTTP {
    public static func exchange(port: Int, request: [UInt8], timeoutMs: Int = 5000) -> (Int, String)? {
        let fd = op_connect_tcp("127.0.0.1", Int32(port), Int32(timeoutMs))
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard request.withUnsafeBytes({ op_send(fd, $0.baseAddress, $0.count) }) == request.count else { return nil }
        var response: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 16384)
        while response.count < 1_048_576 {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16384) }
            if n <= 0 { break }
            response += buf[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let lineEnd = text.range(of: "\r\n"), let headEnd = text.range(of: "\r\n\r\n") else { return nil }
        let parts = text[..<lineEnd.lowerBound].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var body = String(text[headEnd.upperBound...])
        if text[..<headEnd.lowerBound].lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return (status, body)
    }

    static func dechunk(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let nl = rest.range(of: "\r\n"), let size = Int(rest[..<nl.lowerBound].split(separator: ";")[0], radix: 16), size > 0 {
            let start = nl.upperBound
            let bytes = Array(rest[start...].utf8)
            guard bytes.count >= size else { break }
            out += String(decoding: bytes[0..<size], as: UTF8.self)
            rest = Substring(String(decoding: bytes[size...], as: UTF8.self)).dropFirst(2)
        }
        return out
    }
}
