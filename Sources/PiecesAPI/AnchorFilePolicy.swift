import Foundation

/// Which files a question may read into a model's context. An anchor names a file on the asking client's machine,
/// but the server reads it with its own rights, for whoever can reach the Pieces API (any local user on loopback):
/// so only the server user's own files outside system folders are read, never ones that hold this server's or this
/// user's credentials, and nothing at all when the server listens beyond loopback (the client's files are not on
/// this machine).
public struct AnchorFilePolicy: Sendable {
    /// False when the server listens beyond loopback.
    public var readsFiles: Bool
    /// Folders never read from: the data directory (master key, database, services' data and secrets).
    public var forbiddenRoots: [String]
    /// System folders: kernel and process state (`/proc/self/environ` holds the server's keys), devices,
    /// configuration, logs and other services' state.
    static let systemRoots = ["/proc", "/sys", "/dev", "/run", "/etc", "/boot", "/var/lib", "/var/log", "/var/run",
                              "/var/spool", "/var/mail", "/var/backups", "/var/cache"]

    public init(readsFiles: Bool = true, forbiddenRoots: [String] = []) {
        self.readsFiles = readsFiles
        self.forbiddenRoots = forbiddenRoots.map { AnchorFilePolicy.resolved($0) }
    }

    /// Why a path may not be read, judged on the path as given and on the real path of what was opened; nil when
    /// it may. The messages say nothing about whether the file exists.
    /// `real` is the path with its links resolved (`resolved(path)`), passed in so the reader that opens it
    /// resolves it once; for the kernel's path of an opened file, it is that path itself.
    func refusal(_ path: String, real: String) -> String? {
        guard readsFiles else {
            return "this server listens beyond loopback, so files named by a client are not read (they are on the client's machine); save the text as a snippet instead"
        }
        for candidate in path == real ? [path] : [path, real] {
            if forbiddenRoots.contains(where: { AnchorFilePolicy.isInside(candidate, $0) }) {
                return "it is inside OpenPieces' data directory, which holds its keys, database and secrets"
            }
            if AnchorFilePolicy.systemRoots.contains(where: { AnchorFilePolicy.isInside(candidate, $0) }) {
                return "files in system folders (/proc, /etc, /var/log…) are never read; save the text as a snippet instead"
            }
            if AnchorFilePolicy.isHidden(candidate) {
                return "hidden files and folders (such as ~/.ssh or .env) are never read, because they often hold credentials; save the text as a snippet instead"
            }
        }
        return nil
    }

    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// A path with a component starting with a dot (`.ssh`, `.env`, `.git`), other than `.` and `..`.
    static func isHidden(_ path: String) -> Bool {
        path.split(separator: "/").contains { $0.hasPrefix(".") && $0 != "." && $0 != ".." }
    }
}
