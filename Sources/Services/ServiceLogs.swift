import Core
import Foundation
import Store
import Synchronization

/// One service's output: appended to `<home>/logs/<slug>.log` (rotated at `maxBytes`, one old file kept),
/// the last lines kept in memory for tails and crash reasons, and fanned out to live followers.
public final class ServiceLogs: Sendable {
    let path: String
    let maxBytes: Int
    private let state = Locked<(recent: [String], followers: [UUID: AsyncStream<String>.Continuation], size: Int)>(([], [:], 0))
    private let handle: Locked<FileHandle?>
    static let recentLines = 500
    let slug: String
    /// Replicas sharing the store: each line is sent to the others' followers.
    let relay: StoreEvents?

    init(directory: String, slug: String, maxBytes: Int = 4 * 1024 * 1024, relay: StoreEvents? = nil) {
        self.slug = slug
        self.relay = relay
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("\(slug).log")
        self.maxBytes = maxBytes
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let h = FileHandle(forWritingAtPath: path)
        let size = (try? h?.seekToEnd()).flatMap { $0 }.map(Int.init) ?? 0
        handle = Locked(h)
        state.withLock { $0.size = size }
        // Recent lines survive a restart of the server: read the tail of the file.
        if let data = FileManager.default.contents(atPath: path) {
            let lines = String(decoding: data.suffix(64 * 1024), as: UTF8.self).split(separator: "\n").map(String.init)
            state.withLock { $0.recent = Array(lines.suffix(ServiceLogs.recentLines)) }
        }
    }

    func append(_ line: String, stream: String = "out") {
        let text = "\(Clock.iso8601Now()) \(stream) \(line)"
        let (followers, rotate) = state.withLock { s -> ([AsyncStream<String>.Continuation], Bool) in
            s.recent.append(text)
            if s.recent.count > ServiceLogs.recentLines { s.recent.removeFirst(s.recent.count - ServiceLogs.recentLines) }
            s.size += text.utf8.count + 1
            let rotate = s.size > maxBytes
            if rotate { s.size = 0 }
            return (Array(s.followers.values), rotate)
        }
        handle.withLock { h in
            if rotate {
                try? h?.close()
                try? FileManager.default.removeItem(atPath: path + ".1")
                try? FileManager.default.moveItem(atPath: path, toPath: path + ".1")
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                h = FileHandle(forWritingAtPath: path)
            }
            try? h?.write(contentsOf: Data((text + "\n").utf8))
        }
        for f in followers { f.yield(text) }
        relay?.publish(.logs, ["slug": .string(slug), "line": .string(String(text.prefix(4000)))])
    }

    /// A line another replica's service wrote: for tails and followers here, not for this disk.
    func receive(_ text: String) {
        let followers = state.withLock { s -> [AsyncStream<String>.Continuation] in
            s.recent.append(text)
            if s.recent.count > ServiceLogs.recentLines { s.recent.removeFirst(s.recent.count - ServiceLogs.recentLines) }
            return Array(s.followers.values)
        }
        for f in followers { f.yield(text) }
    }

    public func tail(_ n: Int) -> [String] { state.withLock { Array($0.recent.suffix(max(0, n))) } }

    public func follow() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        let token = UUID()
        state.withLock { $0.followers[token] = continuation }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.followers.removeValue(forKey: token) } }
        return stream
    }
}
