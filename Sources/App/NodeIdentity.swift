import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The name of this data directory among the replicas sharing a store: made once, kept in `<home>/node-id`. A
/// replica restarted on the same directory is the same node, so it can take back what its earlier process held.
enum NodeIdentity {
    static func load(home: String) throws -> String {
        let path = (home as NSString).appendingPathComponent("node-id")
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if isValid(id) { return id }
        }
        let id = "node-" + SecureRandom.hex(8)
        // O_EXCL: a second process racing here keeps the first one's name.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST, let text = try? String(contentsOfFile: path, encoding: .utf8),
               isValid(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            throw StartupError("cannot write \(path): \(String(cString: strerror(errno))). Check that --home is writable.")
        }
        defer { close(fd) }
        let line = Array((id + "\n").utf8)
        guard write(fd, line, line.count) == line.count, fsync(fd) == 0 else {
            throw StartupError("cannot write \(path). Check free space in --home.")
        }
        return id
    }

    static func isValid(_ id: String) -> Bool {
        id.hasPrefix("node-") && id.count <= 64 && id.utf8.allSatisfy { $0 == 0x2D || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }
    }
}
