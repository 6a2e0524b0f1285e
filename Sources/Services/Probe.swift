import CNetShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP GET to a local service, for readiness and health checks: status code or nil.
public enum Probe {
    static func status(port: Int, path: String = "/health", timeoutMs: Int = 1000) -> Int? {
        let fd = op_connect_tcp("127.0.0.1", Int32(port), Int32(timeoutMs))
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ op_send(fd, $0.baseAddress, $0.count) }) == request.count else { return nil }
        var buf = [UInt8](repeating: 0, count: 64)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 64) }
        guard n >= 12 else { return nil }
        let line = String(decoding: buf[0..<n], as: UTF8.self)
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else { return nil }
        return Int(parts[1])
    }

    /// A free port in `range`, checked by binding it.
    public static func freePort(in range: ClosedRange<Int>, avoiding taken: Set<Int>) -> Int? {
        for port in range.shuffled() where !taken.contains(port) {
            let fd = op_listen_tcp("127.0.0.1", Int32(port), 1)
            if fd >= 0 {
                close(fd)
                return port
            }
        }
        return nil
    }
}
