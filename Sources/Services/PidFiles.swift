import Foundation

/// The pids of this machine's service processes, one file per service id: what a replica killed with SIGKILL left
/// running, found again at its next start whoever runs those services now.
enum PidFiles {
    static func set(_ root: String, _ id: String, _ pid: Int32?) {
        let path = (root as NSString).appendingPathComponent(id)
        guard let pid else {
            try? FileManager.default.removeItem(atPath: path)
            return
        }
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try? Data("\(pid)\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func all(_ root: String) -> [(id: String, pid: Int32)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.compactMap { name in
            guard let text = try? String(contentsOfFile: (root as NSString).appendingPathComponent(name), encoding: .utf8),
                  let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            return (name, pid)
        }
    }
}
