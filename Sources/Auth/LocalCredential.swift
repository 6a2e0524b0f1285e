import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The CLI's credential on the server's own machine: a random token the server writes, readable by its user only
/// (`0600`), into its data directory at every start, with the port it serves. Whoever can read that directory can read
/// the database and the master key too, so the file grants nothing new. The server accepts the token only from a
/// loopback peer that came straight (not through a reverse proxy); the CLI sends it only to that port on loopback, so
/// another program listening on this machine never receives it.
public enum LocalCredential {
    public static let fileName = "cli-token"
    /// Bounds what the CLI reads: the file is in a directory the user may have changed by hand.
    static let maxBytes = 256

    public static func path(home: String) -> String { (home as NSString).appendingPathComponent(fileName) }

    /// What the file holds: the token and the port of the server that accepts it.
    public struct Entry: Sendable, Equatable {
        public let token: String
        public let port: Int
    }

    /// Writes a fresh token for `port` to `<home>/cli-token` (created `0600`, then renamed into place, so a reader
    /// never sees half a token) and answers it.
    public static func issue(home: String, port: Int) throws -> String {
        let token = "op_local_" + SecureRandom.hex(24)
        let final = path(home: home), temporary = final + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw LocalCredentialError("cannot write \(temporary): \(String(cString: strerror(errno))). Check that the data directory is yours and writable.") }
        let bytes = Array((token + "\n\(port)\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, final) == 0 else {
            unlink(temporary)
            throw LocalCredentialError("cannot write \(final): \(String(cString: strerror(errno))).")
        }
        return token
    }

    /// The entry in `<home>/cli-token`, if this user can read it: nil when it is missing, unreadable, too large, not a
    /// regular file or not in the form `issue` writes.
    public static func read(home: String) -> Entry? {
        let fd = open(path(home: home), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size <= maxBytes else { return nil }
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, maxBytes) }
        guard n > 0 else { return nil }
        let lines = String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.count == 2, lines[0].hasPrefix("op_local_"), let port = Int(lines[1]), (1...65535).contains(port) else { return nil }
        return Entry(token: lines[0], port: port)
    }
}

public struct LocalCredentialError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
