import CNetShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP GET to a local service, for readiness and health checks: status code or nil.
public enum Probe {
    public static func status(port: Int, path: String = ServiceContract.healthPath, timeoutMs: Int = 1000) -> Int? {
        RawHTTP.exchange(port: port, request: Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8),
                         timeoutMs: timeoutMs)?.0
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
