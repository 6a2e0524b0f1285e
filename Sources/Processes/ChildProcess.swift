import CNetShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A short-lived child command (deno check, tar, python3; the product under test in tests), with the part of
/// Foundation's `Process` interface those callers use. It exists because `Process.run()` on Linux (Swift 6.3)
/// scans /proc/self/fd with a dirent over-read that crashes a busy process now and then
/// (swift-corelibs-foundation#5472); this closes descriptors without a scan. A child gets SIGKILL when the server
/// dies (PR_SET_PDEATHSIG), so no check or test binary outlives it. Long-lived service processes go through the
/// supervisor's own spawner instead (process groups, limits).
public final class ChildProcess: @unchecked Sendable {
    public var executableURL: URL?
    public var arguments: [String] = []
    /// Nil: the parent's environment.
    public var environment: [String: String]?
    public var currentDirectoryURL: URL?
    /// Each a `Pipe`, a `FileHandle`, or nil to inherit the parent's stream.
    public var standardInput: Any?
    public var standardOutput: Any?
    public var standardError: Any?

    public private(set) var processIdentifier: Int32 = 0
    private let state = NSCondition()
    private var exitStatus: Int32?
    private var signalled = false

    public init() {}

    public struct SpawnError: Error, CustomStringConvertible {
        public let path: String
        public let errno: Int32
        public var description: String { "cannot run \(path): \(String(cString: strerror(errno)))" }
    }

    public func run() throws {
        let path = executableURL?.path ?? ""
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            for p in argv { free(p) }
            for p in envp ?? [] { free(p) }
        }
        let fds = [ChildProcess.childFD(standardInput, reading: true), ChildProcess.childFD(standardOutput, reading: false),
                   ChildProcess.childFD(standardError, reading: false)]
        let cwd = currentDirectoryURL?.path
        // Forked on the spawn thread: the child's death signal is tied to the thread that forks it.
        let pid: Int32 = SpawnThread.shared.run {
            argv.withUnsafeBufferPointer { a in
                let run = { (e: UnsafePointer<UnsafeMutablePointer<CChar>?>?) in
                    op_spawn_std(path, a.baseAddress, e, cwd, fds[0], fds[1], fds[2])
                }
                if let envp { return envp.withUnsafeBufferPointer { run($0.baseAddress) } }
                return run(nil)
            }
        }
        guard pid > 0 else { throw SpawnError(path: path, errno: -pid) }
        processIdentifier = pid
        reapWhenDone(pid)
        // The child holds its ends now: closing ours lets readers see end of file when it exits.
        if let p = standardInput as? Pipe { try? p.fileHandleForReading.close() }
        if let p = standardOutput as? Pipe { try? p.fileHandleForWriting.close() }
        if let p = standardError as? Pipe, (standardError as AnyObject) !== (standardOutput as AnyObject) { try? p.fileHandleForWriting.close() }
    }

    static func childFD(_ stream: Any?, reading: Bool) -> Int32 {
        switch stream {
        case let p as Pipe: return reading ? p.fileHandleForReading.fileDescriptor : p.fileHandleForWriting.fileDescriptor
        case let h as FileHandle: return h.fileDescriptor
        default: return -1
        }
    }

    /// Whether the child has not exited yet.
    public var isRunning: Bool {
        state.lock()
        defer { state.unlock() }
        return processIdentifier > 0 && exitStatus == nil
    }

    /// Blocks until the child exits: call it off the cooperative pool.
    public func waitUntilExit() {
        state.lock()
        defer { state.unlock() }
        guard processIdentifier > 0 else { return }
        while exitStatus == nil { state.wait() }
    }

    /// Every child is reaped as soon as it exits, by a thread of its own, as Foundation's Process does: a zombie
    /// left behind would make any `waitid(P_ALL)` in the process (Swift Testing's exit-test monitor) spin.
    private func reapWhenDone(_ pid: Int32) {
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                if errno != EINTR { status = 0; break }
            }
            state.lock()
            record(status)
            state.broadcast()
            state.unlock()
        }
    }

    /// The exit code, or the signal number for a child ended by a signal (as Foundation's Process reports it).
    public var terminationStatus: Int32 {
        state.lock()
        defer { state.unlock() }
        return exitStatus ?? 0
    }

    public enum TerminationReason: Sendable { case exit, uncaughtSignal }

    /// How the child ended (valid once it has been reaped).
    public var terminationReason: TerminationReason {
        state.lock()
        defer { state.unlock() }
        return signalled ? .uncaughtSignal : .exit
    }

    public func terminate() {
        if isRunning { kill(processIdentifier, SIGTERM) }
    }

    /// Called with `state` held.
    private func record(_ status: Int32) {
        let signal = status & 0x7F
        signalled = signal != 0
        exitStatus = signal == 0 ? (status >> 8) & 0xFF : signal
    }
}
