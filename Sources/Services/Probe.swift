import CNetShim
import Foundation
import HTTPClient
#if canImport(Glibc)
import Glibc
#endif

/// Readiness and health checks of local services, through the platform's one HTTP client, and port picking.
public enum Probe {
    /// Shared by every probe. A health answer is read and dropped, so the body is capped small.
    static let client = HTTPClient(maxResponseBytes: 1 << 20)

    /// `GET path` on a service's loopback port: the status, or nil when it does not answer within `timeout` seconds.
    /// libcurl runs the exchange on a thread of its own; the caller suspends without holding a cooperative thread.
    public static func status(port: Int, path: String = ServiceContract.healthPath, timeout: Double = 1) async -> Int? {
        let request = ClientRequest(url: "http://127.0.0.1:\(port)\(path)", headers: [("Connection", "close")],
                                    timeout: timeout, connectTimeout: timeout, stallTimeout: timeout)
        return try? await client.send(request).status
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
