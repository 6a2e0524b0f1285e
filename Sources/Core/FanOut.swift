import Foundation

/// Live values by key, each handed to every follower of that key: a run's progress, a chat's turns. A follower's
/// stream ends when its key is finished or when it stops listening (then it is forgotten).
public final class FanOut<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let followers = Locked<[Key: [UUID: AsyncStream<Value>.Continuation]]>([:])
    private let buffer: Int

    /// `buffer`: values kept for a follower slower than the producer (the newest are kept).
    public init(buffer: Int) { self.buffer = buffer }

    public func follow(_ key: Key) -> AsyncStream<Value> {
        let (stream, continuation) = AsyncStream<Value>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        let token = UUID()
        followers.withLock { $0[key, default: [:]][token] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.followers.withLock { f in
                f[key]?.removeValue(forKey: token)
                if f[key]?.isEmpty == true { f.removeValue(forKey: key) }
            }
        }
        return stream
    }

    /// Hands `value` to the key's followers; `last` ends their streams after it.
    public func yield(_ key: Key, _ value: Value, last: Bool = false) {
        let targets = followers.withLock { f -> [AsyncStream<Value>.Continuation] in
            let t = Array((f[key] ?? [:]).values)
            if last { f.removeValue(forKey: key) }
            return t
        }
        // Outside the lock: finishing runs the termination handler, which takes it.
        for t in targets {
            t.yield(value)
            if last { t.finish() }
        }
    }
}
