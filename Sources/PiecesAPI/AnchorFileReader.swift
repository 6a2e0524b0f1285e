import CNetShim
import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads the files a question names, as the policy allows. The checks that matter are made on the opened
/// descriptor, not on the path: a link swapped in after the path was judged, a FIFO, a device or a file on a
/// pseudo-filesystem is refused when it is opened, and the real path of what was opened is judged again.
struct AnchorFileReader: Sendable {
    let policy: AnchorFilePolicy
    /// One file larger than this is refused.
    let maxFileBytes: Int
    /// All the files of one question together: past this, the rest are not read (the context could not hold them).
    let maxTotalBytes: Int

    struct Unreadable: Error { var message: String }

    /// Each path's text or the reason it was not read, in order; run off the cooperative pool (one thread for all).
    func read(_ paths: [String]) async -> [(String, Result<String, Unreadable>)] {
        await Blocking.run {
            var budget = maxTotalBytes
            return paths.map { path in
                guard budget > 0 else {
                    return (path, .failure(Unreadable(message: "the question's material already holds as much as a model is given")))
                }
                let result = readOne(path)
                if case .success(let text) = result { budget -= text.utf8.count }
                return (path, result)
            }
        }
    }

    func readOne(_ path: String) -> Result<String, Unreadable> {
        // Resolved once: the path judged is the path opened.
        let real = AnchorFilePolicy.resolved(path)
        if let refusal = policy.refusal(path, real: real) { return .failure(Unreadable(message: refusal)) }
        let absent = Unreadable(message: "it does not exist, or it is not a file of yours that may be read")
        // The final component must not be a link (resolved above), and opening a FIFO must not wait for a writer.
        let fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .failure(absent) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(absent) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(Unreadable(message: "it is a folder; only single files are read")) }
        // Only the server user's own regular files: not another user's, not root's system files when run as root.
        guard (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == geteuid(), !AnchorFileReader.onPseudoFilesystem(fd) else {
            return .failure(absent)
        }
        // Judge what was really opened: an earlier folder in the path may have been swapped for a link.
        // The kernel's path of the opened file has no links left to resolve.
        if let opened = AnchorFileReader.realPath(fd), let refusal = policy.refusal(opened, real: opened) {
            return .failure(Unreadable(message: refusal))
        }
        let size = Int(st.st_size)
        guard size <= maxFileBytes else {
            return .failure(Unreadable(message: "it holds \(ByteText.readable(size)), more than the \(maxFileBytes / 1024) KiB limit"))
        }
        // Read at most one byte past the limit: the file may have grown since it was measured.
        var bytes = [UInt8](repeating: 0, count: maxFileBytes + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            count += n
        }
        guard count <= maxFileBytes else { return .failure(Unreadable(message: "it grew past the \(maxFileBytes / 1024) KiB limit")) }
        guard let text = String(validating: bytes[..<count], as: UTF8.self) else { return .failure(Unreadable(message: "it is not UTF-8 text")) }
        return .success(text)
    }

    /// Kernel and virtual filesystems whose "regular files" are process or system state.
    static func onPseudoFilesystem(_ fd: Int32) -> Bool {
        let type = op_fs_type(fd)
        guard type >= 0 else { return true }
        let pseudo: Set<Int> = [0x9fa0 /* proc */, 0x6265_6572 /* sysfs */, 0x6462_6720 /* debugfs */, 0x7472_6163 /* tracefs */,
                                0x7363_6673 /* securityfs */, 0x27e0eb /* cgroup */, 0x6367_7270 /* cgroup2 */, 0xcafe_4a11 /* bpf */,
                                0xde5e_81e4 /* efivarfs */, 0x6265_6570 /* configfs */, 0x1cd1 /* devpts */]
        return pseudo.contains(type)
    }

    /// The path of what `fd` refers to, as the kernel knows it.
    static func realPath(_ fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, Int(PATH_MAX))
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
