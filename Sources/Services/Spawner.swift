import CNetShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes from one thread that lives as long as the server: the children's parent-death signal
/// follows the thread that forked them, so forking from a pool thread that later exits would kill them.
final class Spawner: @unchecked Sendable {
    struct Request {
        var path: String
        var arguments: [String]
        var environment: [String: String]
        var directory: String
        var outputFD: Int32
        var rlimits: [(resource: Int32, value: UInt)]
        var done: (Int32) -> Void
    }

    private let lock = NSCondition()
    private var queue: [Request] = []

    static let shared = Spawner()

    private init() {
        let t = Thread { [self] in self.loop() }
        t.name = "op-spawner"
        t.start()
    }

    /// Returns the pid, or a negative errno.
    func spawn(path: String, arguments: [String], environment: [String: String], directory: String, outputFD: Int32,
               rlimits: [(resource: Int32, value: UInt)]) async -> Int32 {
        await withCheckedContinuation { cont in
            lock.lock()
            queue.append(Request(path: path, arguments: arguments, environment: environment, directory: directory, outputFD: outputFD,
                                 rlimits: rlimits, done: { cont.resume(returning: $0) }))
            lock.signal()
            lock.unlock()
        }
    }

    private func loop() {
        while true {
            lock.lock()
            while queue.isEmpty { lock.wait() }
            let r = queue.removeFirst()
            lock.unlock()
            r.done(Spawner.fork(r))
        }
    }

    private static func fork(_ r: Request) -> Int32 {
        let argv = ([r.path] + r.arguments).map { strdup($0) } + [nil]
        let envp = r.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        let resources = r.rlimits.map(\.resource)
        let values = r.rlimits.map { UInt($0.value) }
        return op_spawn(r.path, argv, envp, r.directory, r.outputFD, resources, values, Int32(resources.count))
    }
}
