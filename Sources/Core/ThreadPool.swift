import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bounded set of dedicated threads serving a FIFO queue of jobs, for work that blocks (syscalls, child processes,
/// SQLite) and so must stay off Swift's cooperative pool. Threads start on demand, up to `maxThreads`; one that has
/// been idle for `idleTimeout` seconds ends, so an idle pool holds no threads.
public final class ThreadPool: @unchecked Sendable {
    public typealias Job = @Sendable () -> Void

    public let name: String
    public let maxThreads: Int
    private let idleTimeout: Double
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue = JobQueue()
    private var threads = 0
    private var idle = 0
    private var started = 0

    public init(name: String, maxThreads: Int, idleTimeout: Double = 30) {
        precondition(maxThreads > 0)
        self.name = name
        self.maxThreads = maxThreads
        self.idleTimeout = idleTimeout
    }

    /// Queues `job`; it runs on one of the pool's threads once those ahead of it have started.
    public func submit(_ job: @escaping Job) {
        condition.lock()
        queue.push(job)
        // An idle thread per queued job is enough; past that, another thread while there is room for one.
        let spawn = queue.count > idle && threads < maxThreads
        if spawn {
            threads += 1
            started += 1
        } else {
            condition.signal()
        }
        let number = started
        condition.unlock()
        if spawn {
            // The thread holds the pool until it ends: a pool is dropped once its threads have idled out.
            let label = "\(name)-\(number)"
            Thread.detachNewThread { [self] in
                // Named for ps, /proc/<pid>/task/*/comm and debuggers; else it shows its creator's name.
                nameCurrentThread(label)
                work()
            }
        }
    }

    private func work() {
        while true {
            condition.lock()
            while queue.isEmpty {
                idle += 1
                let woken = condition.wait(until: Date().addingTimeInterval(idleTimeout))
                idle -= 1
                if !woken && queue.isEmpty {
                    threads -= 1
                    condition.unlock()
                    return
                }
            }
            let job = queue.pop()
            condition.unlock()
            job()
        }
    }
}

/// A FIFO of jobs: an array read from `head`, compacted once the consumed part is the larger half.
private struct JobQueue {
    private var items: [ThreadPool.Job?] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { head == items.count }

    mutating func push(_ job: @escaping ThreadPool.Job) { items.append(job) }

    mutating func pop() -> ThreadPool.Job {
        let job = items[head]!
        items[head] = nil
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return job
    }
}

/// Names the calling thread as the kernel sees it (15 bytes kept). `Thread.name` does not do it reliably on Linux: the
/// new thread can run before Foundation records which thread it is, and the name is then kept only in Foundation.
/// `pthread_setname_np` is a GNU extension the Glibc module does not declare, so it is looked up by name.
private func nameCurrentThread(_ name: String) {
    #if canImport(Glibc)
    typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    guard let symbol = setNameSymbol else { return }
    _ = unsafeBitCast(symbol, to: SetName.self)(pthread_self(), String(decoding: name.utf8.prefix(15), as: UTF8.self))
    #endif
}

#if canImport(Glibc)
private nonisolated(unsafe) let setNameSymbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_setname_np")
#endif
