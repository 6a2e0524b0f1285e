import CNetShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 exchange done entirely on the calling thread: connect, send, read until the server closes. Inside
/// `offPool`, a sequence of these runs back to back even while the suite's cooperative pool is stalled, so a test
/// can say "at once" about a lifetime of one second and mean it.
public enum BlockingHTTP {
    public static func exchange(port: Int, _ method: String, _ path: String, body: String? = nil, timeoutMs: Int = 20000) throws -> (status: Int, body: String) {
        let fd = op_connect_tcp("127.0.0.1", Int32(port), Int32(timeoutMs))
        guard fd >= 0 else { throw TestError("connect to \(port) failed: errno \(-fd)") }
        defer { Glibc.close(fd) }
        var tv = timeval(tv_sec: timeoutMs / 1000, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let payload = Array((body ?? "").utf8)
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(payload.count)\r\n\r\n"
        let bytes = Array(head.utf8) + payload
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { op_send(fd, $0.baseAddress! + sent, bytes.count - sent) }
            guard n > 0 else { throw TestError("send failed: errno \(errno)") }
            sent += n
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw TestError("read from \(port) failed: errno \(errno)") }
            received += chunk[0..<n]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let statusText = text.split(separator: " ", maxSplits: 2).dropFirst().first, let status = Int(statusText),
              let split = text.range(of: "\r\n\r\n") else { throw TestError("not an HTTP response: \(text.prefix(200))") }
        return (status, String(text[split.upperBound...]))
    }
}
