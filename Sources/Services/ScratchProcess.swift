import CNetShim
import Core
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A short-lived run of generated code (an agent's test run of a service): started through the same sandbox as a
/// deployed service, with its output collected, and killed outright when done.
public final class ScratchProcess: Sendable {
    public let pid: Int32
    private let output = Locked<[UInt8]>([])
    private let exited = Locked<Bool>(false)

    private init(pid: Int32) { self.pid = pid }

    public static func start(_ launch: Sandbox.Launch, in sandbox: Sandbox) async -> ScratchProcess? {
        var fds: [Int32] = [0, 0]
        guard op_pipe(&fds) == 0 else { return nil }
        let pid = await sandbox.spawn(launch, outputFD: fds[1])
        close(fds[1])
        guard pid > 0 else {
            close(fds[0])
            return nil
        }
        let p = ScratchProcess(pid: pid)
        let readFD = fds[0]
        Thread.detachNewThread {
            var buf = [UInt8](repeating: 0, count: 8192)
            while true {
                let n = buf.withUnsafeMutableBytes { read(readFD, $0.baseAddress, 8192) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                p.output.withLock { out in if out.count < 65536 { out += buf[0..<n] } }
            }
            close(readFD)
        }
        Supervisor.watch(pid) { _ in p.exited.withLock { $0 = true } }
        return p
    }

    public var isRunning: Bool { !exited.withLock { $0 } }

    public var outputText: String { String(decoding: output.withLock { $0 }, as: UTF8.self) }

    /// SIGKILL to the whole group, then waits (briefly) for the exit to be reaped.
    public func kill() async {
        let pid = self.pid
        _ = Glibc.kill(-pid, SIGKILL)
        for _ in 0..<200 where isRunning { try? await Task.sleep(nanoseconds: 5_000_000) }
    }
}
