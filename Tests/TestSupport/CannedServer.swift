import CNetShim
import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback listener on a raw socket, on a thread of its own (no async pool involved): it answers every connection
/// with `response` and closes it, or with `keepOpen` leaves it open after the answer; with no response it holds the
/// connection silently.
public final class CannedServer: Sendable {
    public let port: Int
    private let fd: Int32
    private let open = Locked(true)
    /// Connections accepted so far.
    public let accepted = Locked(0)

    public init(response: String?, keepOpen: Bool = false) throws {
        fd = op_listen_tcp("127.0.0.1", 0, 64)
        guard fd >= 0 else { throw POSIXError(.EADDRINUSE) }
        port = Int(op_local_port(fd))
        let (fd, open, accepted) = (fd, open, accepted)
        Thread.detachNewThread {
            var held: [Int32] = []
            while open.withLock({ $0 }) {
                let c = op_accept(fd)
                guard c >= 0 else { usleep(2000); continue }
                accepted.withLock { $0 += 1 }
                guard let response else { held.append(c); continue }
                _ = fcntl(c, F_SETFL, 0)  // blocking, for this simple exchange
                var request: [UInt8] = [], buf = [UInt8](repeating: 0, count: 4096)
                while !request.suffix(4).elementsEqual([13, 10, 13, 10]) {
                    let n = buf.withUnsafeMutableBytes { read(c, $0.baseAddress, 4096) }
                    if n <= 0 { break }
                    request += buf[0..<n]
                }
                let bytes = Array(response.utf8)
                _ = bytes.withUnsafeBytes { op_send(c, $0.baseAddress, $0.count) }
                if keepOpen { held.append(c) } else { close(c) }
            }
            held.forEach { close($0) }
            close(fd)
        }
    }

    public func stop() { open.withLock { $0 = false } }
}
