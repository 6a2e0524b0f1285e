import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The key that encrypts every secret: `OPENPIECES_MASTER_KEY` (base64 of 32 bytes) when set,
/// else `<home>/master.key`, created once with mode 0600.
public enum MasterKey {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func load(home: String, environment: [String: String]) throws -> [UInt8] {
        if let b64 = environment["OPENPIECES_MASTER_KEY"], !b64.isEmpty {
            guard let data = Data(base64Encoded: b64), data.count == 32 else {
                throw Failure(description: "OPENPIECES_MASTER_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`).")
            }
            return Array(data)
        }
        let path = (home as NSString).appendingPathComponent("master.key")
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else {
                throw Failure(description: "\(path) is not a 32-byte key. Restore it from a backup: without it, stored secrets cannot be read.")
            }
            return Array(data)
        }
        let key = SecureRandom.bytes(32)
        // O_EXCL: two processes starting at once must not each write a different key.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST, let data = FileManager.default.contents(atPath: path), data.count == 32 { return Array(data) }
            throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno))). Check that --home is writable.")
        }
        defer { close(fd) }
        let written = key.withUnsafeBytes { write(fd, $0.baseAddress, 32) }
        guard written == 32, fsync(fd) == 0 else {
            unlink(path)
            throw Failure(description: "cannot write \(path). Check free space in --home.")
        }
        return key
    }
}
