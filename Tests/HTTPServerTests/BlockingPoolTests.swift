import Core
import Foundation
import Testing
import TestSupport

/// `Blocking.run` serves bursts from a bounded set of threads: hundreds of concurrent calls queue, they do not each
/// start a thread. Serialized: both tests read the process's thread count and hold the shared pool.
@Suite(.serialized) struct BlockingPoolTests {
    @Test func aBurstOfCallsStaysWithinTheThreadBound() async throws {
        let calls = 1000
        let baseline = try #require(threadCount())
        let sampler = PeakSampler()
        sampler.start()
        let running = Locked((now: 0, peak: 0))
        let results = await withTaskGroup(of: Int.self) { group in
            for i in 0..<calls {
                group.addTask {
                    await Blocking.run {
                        running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                        usleep(40_000)
                        running.withLock { $0.now -= 1 }
                        return i
                    }
                }
            }
            var seen = Set<Int>()
            for await i in group { seen.insert(i) }
            return seen
        }
        let (peakThreads, peakPool) = try await offPool { sampler.stop() }
        #expect(results == Set(0..<calls), "every call completes with its own answer")
        let peakRunning = running.withLock { $0.peak }
        #expect(peakRunning <= Blocking.maxThreads)
        #expect(peakRunning >= 2, "the pool runs work in parallel")
        // The pool's own threads, by name, never exceed the bound: the exact check. The whole process's count is
        // noisy (the other suites start servers, probes and child processes meanwhile: 427 more threads seen under
        // the full run), so it only guards against unnamed threads, at half the burst, which a thread per call (a
        // thousand) still breaks.
        #expect(peakPool <= Blocking.maxThreads)
        #expect(peakThreads - baseline <= calls / 2, "threads went from \(baseline) to \(peakThreads)")
        // The pool's threads stay, named, after the burst: between one and the bound.
        #expect((1...Blocking.maxThreads).contains(blockingThreadNames().count))
    }

    @Test func aTimedCallAnswersNilWhileQueuedAndIsThenDropped() async throws {
        let release = Wakeup()
        let hold = Date().addingTimeInterval(30)
        // Fill every thread of the pool, and know it: other suites use the same pool meanwhile, so a fixed sleep
        // cannot tell whether every holder has a thread yet.
        let holding = Locked(0)
        let holders = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<Blocking.maxThreads {
                    group.addTask { await Blocking.run { holding.withLock { $0 += 1 }; release.wait(until: hold) } }
                }
            }
        }
        while holding.withLock({ $0 }) < Blocking.maxThreads, Date() < hold { try await Task.sleep(nanoseconds: 10_000_000) }
        let ran = Locked(false)
        let started = Date()
        let answer = await Blocking.run(timeout: 0.3) { ran.withLock { $0 = true }; return 1 }
        #expect(answer == nil)
        #expect(Date().timeIntervalSince(started) < 10)
        // The Wakeup keeps one ring at a time: keep ringing until every holder has left.
        let ringer = Task.detached { while !Task.isCancelled { release.ring(); try? await Task.sleep(nanoseconds: 5_000_000) } }
        await holders.value
        ringer.cancel()
        // The queue drains; the dropped call's body never runs, a later call still does.
        #expect(await Blocking.run { 2 } == 2)
        #expect(ran.withLock { $0 } == false)
    }

    @Test func longCallsNeverStarveShortOnes() async throws {
        // More long calls than the short lane has threads: on one shared pool they would hold every thread.
        let calls = Blocking.maxThreads + 4
        let hold = Date().addingTimeInterval(30)
        let released = Locked(false)
        let running = Locked((now: 0, peak: 0))
        let holders = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<calls {
                    group.addTask {
                        await Blocking.run(.long) {
                            running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                            while !released.withLock({ $0 }), Date() < hold { usleep(5_000) }
                            running.withLock { $0.now -= 1 }
                        }
                    }
                }
            }
        }
        while running.withLock({ $0.now }) < Blocking.maxLongThreads, Date() < hold { try await Task.sleep(nanoseconds: 10_000_000) }
        // Ordering, not wall time (the parallel suites can starve threads for seconds): the short call runs while
        // the long lane is still full. Behind them on one pool, it would run only once they let go.
        let ranBesideLongOnes = await Blocking.run { running.withLock { $0.now } == Blocking.maxLongThreads }
        released.withLock { $0 = true }
        await holders.value
        #expect(ranBesideLongOnes, "a short call waited behind long ones")
        #expect(running.withLock { $0.peak } == Blocking.maxLongThreads, "the long lane runs its bound at once, no more")
    }
}

private func threadCount() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    let line = status.split(separator: "\n").first { $0.hasPrefix("Threads:") }
    return line.flatMap { Int($0.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)) }
}

private func blockingThreadNames() -> [String] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
        .filter { $0.hasPrefix("blocking-") }
}

/// Reads the thread count and the pool's named threads every 2 ms on a thread of its own, keeping the highest.
private final class PeakSampler: @unchecked Sendable {
    private let state = Locked((peak: 0, pool: 0, stopped: false))
    private let done = DispatchSemaphore(value: 0)

    func start() {
        Thread.detachNewThread { [self] in
            while !state.withLock({ $0.stopped }) {
                let n = threadCount() ?? 0, pool = blockingThreadNames().count
                state.withLock { $0.peak = max($0.peak, n); $0.pool = max($0.pool, pool) }
                usleep(2_000)
            }
            done.signal()
        }
    }

    func stop() -> (threads: Int, pool: Int) {
        state.withLock { $0.stopped = true }
        done.wait()
        return state.withLock { ($0.peak, $0.pool) }
    }
}
