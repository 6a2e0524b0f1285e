import Foundation

/// Which files a question may read into a model's context. An anchor names a file on the asking client's machine,
/// but the server reads it with its own rights, for whoever can reach the Pieces API (any local user on loopback):
/// so files that hold this server's or this user's credentials are never read, and nothing is read when the
/// server listens beyond loopback (the client's files are not on this machine).
public struct AnchorFilePolicy: Sendable {
    /// False when the server listens beyond loopback.
    public var readsFiles: Bool
    /// Folders never read from: the data directory (master key, database, services' data and secrets).
    public var forbiddenRoots: [String]

    public init(readsFiles: Bool = true, forbiddenRoots: [String] = []) {
        self.readsFiles = readsFiles
        self.forbiddenRoots = forbiddenRoots.map { AnchorFilePolicy.resolved($0) }
    }

    /// Why `path` (as given, and after resolving symbolic links) may not be read, or nil when it may.
    func refusal(_ path: String) -> String? {
        guard readsFiles else {
            return "this server listens beyond loopback, so files named by a client are not read (they are on the client's machine); save the text as a snippet instead"
        }
        let real = AnchorFilePolicy.resolved(path)
        for root in forbiddenRoots where real == root || real.hasPrefix(root.hasSuffix("/") ? root : root + "/") {
            return "it is inside OpenPieces' data directory, which holds its keys, database and secrets"
        }
        if AnchorFilePolicy.isHidden(path) || AnchorFilePolicy.isHidden(real) {
            return "hidden files and folders (such as ~/.ssh or .env) are never read, because they often hold credentials; save the text as a snippet instead"
        }
        return nil
    }

    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// A path with a component starting with a dot (`.ssh`, `.env`, `.git`), other than `.` and `..`.
    static func isHidden(_ path: String) -> Bool {
        path.split(separator: "/").contains { $0.hasPrefix(".") && $0 != "." && $0 != ".." }
    }
}
