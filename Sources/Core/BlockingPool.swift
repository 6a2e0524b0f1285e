import Foundation

/// A fixed-size set of threads serving a FIFO queue of jobs. Threads start on demand, up to `maxThreads`, and then
/// stay, parked on a condition, for the life of the process.
final class BlockingPool: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    private let maxThreads: Int
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue = JobQueue()
    private var threads = 0
    private var idle = 0

    init(maxThreads: Int) {
        precondition(maxThreads > 0)
        self.maxThreads = maxThreads
    }

    func submit(_ job: @escaping Job) {
        condition.lock()
        queue.push(job)
        // An idle thread per queued job is enough; past that, another thread while there is room for one.
        let spawn = queue.count > idle && threads < maxThreads
        if spawn { threads += 1 } else { condition.signal() }
        let number = threads
        condition.unlock()
        if spawn {
            let thread = Thread { [self] in work() }
            thread.name = "blocking-\(number)"
            thread.start()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while queue.isEmpty {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = queue.pop()
            condition.unlock()
            job()
        }
    }
}

/// A FIFO of jobs: an array read from `head`, compacted once the consumed part is the larger half.
private struct JobQueue {
    private var items: [BlockingPool.Job?] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { head == items.count }

    mutating func push(_ job: @escaping BlockingPool.Job) { items.append(job) }

    mutating func pop() -> BlockingPool.Job {
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
