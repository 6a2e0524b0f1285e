import Core
import Foundation
import HTTPClient

/// Whether `serve` writes the Pieces port file: `auto` writes it in a desktop session (where the editor plugins run).
public enum PortFileMode: String, Sendable, Equatable {
    case on, off, auto

    /// On for a desktop session: macOS, or a display (X11 or Wayland) on Linux. Servers and CI stay off.
    func enabled(environment: [String: String]) -> Bool {
        switch self {
        case .on: return true
        case .off: return false
        case .auto:
            #if os(macOS)
            return true
            #else
            return !(environment["DISPLAY"] ?? "").isEmpty || !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
            #endif
        }
    }
}

/// The file Pieces desktop plugins read before scanning ports: it names the port Pieces OS listens on.
/// We write it only when no other Pieces OS is live behind it, and take it back at shutdown if it is still ours.
public struct PiecesPortFile: Sendable {
    public let path: String

    /// `userHome` is the user's home directory (`HOME`), not the data directory.
    public init(userHome: String) {
        #if os(macOS)
        let dir = "Library/com.pieces.os/production/Config"
        #else
        let dir = "Documents/com.pieces.os/production/Config"
        #endif
        path = ((userHome as NSString).appendingPathComponent(dir) as NSString).appendingPathComponent(".port.txt")
    }

    public enum Outcome: Sendable, Equatable {
        case wrote
        /// Another Pieces OS answers on the port the file names: its file stays.
        case keptLiveOther(port: Int)
        case failed(String)
    }

    /// The port the file names, if it holds one.
    /// Only a regular file, and only its first 32 bytes: a FIFO or a huge file put there must not stall start-up.
    public func current() -> Int? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 32) }
        guard n > 0 else { return nil }
        return Int(String(decoding: bytes[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Writes our port, unless the file names another port where something answers `GET /.well-known/health`.
    public func claim(port: Int, isLive: @Sendable (Int) async -> Bool = PiecesPortFile.answersHealth) async -> Outcome {
        if let other = await Blocking.run({ current() }), other != port, (1...65535).contains(other), await isLive(other) {
            return .keptLiveOther(port: other)
        }
        return await Blocking.run { write(port) }
    }

    /// Removes the file if it still names `port` (another Pieces OS may have taken it over meanwhile).
    public func release(port: Int) {
        guard current() == port else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    private func write(_ port: Int) -> Outcome {
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            // Whole or not at all: a plugin reading meanwhile sees the old port or the new one, never half.
            try Data("\(port)".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            return .wrote
        } catch {
            return .failed("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Something answers 200 on `GET /.well-known/health` at 127.0.0.1:`port` within two seconds.
    public static let answersHealth: @Sendable (Int) async -> Bool = { port in
        let r = try? await HTTPClient().send(ClientRequest(url: "http://127.0.0.1:\(port)/.well-known/health", timeout: 2, connectTimeout: 1))
        return r?.status == 200
    }
}
