import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a running service uses now, read from /proc (no cgroups needed).
struct ResourceUsage: Sendable, Equatable {
    var residentMB: Double
    /// User plus system CPU seconds since the process started.
    var cpuSeconds: Double
    var openFiles: Int
    /// Threads of the process (a service cannot start processes of its own: it has no --allow-run).
    var tasks: Int

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Nil when the process is gone.
    static func sample(_ pid: Int32) -> ResourceUsage? {
        guard let stat = procFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        var rss = 0.0
        if let status = procFile("/proc/\(pid)/status"),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) {
            rss = (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
        let fm = FileManager.default
        let files = (try? fm.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
        let tasks = (try? fm.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? 0
        return ResourceUsage(residentMB: rss, cpuSeconds: (utime + stime) / ticksPerSecond, openFiles: files, tasks: tasks)
    }

    /// A /proc file's text. They report a size of 0, so they are read until EOF rather than by their size.
    static func procFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < 1 << 20 {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }

    /// Bytes under a directory (regular files), without following links.
    static func directoryBytes(_ path: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        while let name = walker.nextObject() as? String {
            if let attrs = walker.fileAttributes, attrs[.type] as? FileAttributeType == .typeRegular {
                total += (attrs[.size] as? Int) ?? 0
            } else if walker.fileAttributes == nil {
                var st = stat()
                if lstat((path as NSString).appendingPathComponent(name), &st) == 0, st.st_mode & S_IFMT == S_IFREG { total += Int(st.st_size) }
            }
        }
        return total
    }
}

/// Decides, from samples over time, whether a service broke one of its limits.
struct LimitWatch: Sendable {
    let limits: ServiceLimits
    /// (monotonic seconds, CPU seconds) samples within the CPU window.
    private var cpu: [(at: Double, used: Double)] = []

    init(limits: ServiceLimits) { self.limits = limits }

    /// The limit broken, said for the service's reason, or nil.
    mutating func check(_ u: ResourceUsage, at now: Double, dataBytes: Int?) -> LimitBreach? {
        if u.residentMB > Double(limits.memoryMB) {
            return LimitBreach(limit: .memory, text: "memory limit exceeded: \(Int(u.residentMB)) MB resident, the limit is \(limits.memoryMB) MB (--service-memory)")
        }
        if u.openFiles >= limits.openFiles {
            return LimitBreach(limit: .openFiles, text: "open files limit reached: \(u.openFiles) open, the limit is \(limits.openFiles) (--service-files)")
        }
        if u.tasks > limits.processes {
            return LimitBreach(limit: .processes, text: "process limit exceeded: \(u.tasks) threads and processes, the limit is \(limits.processes) (--service-processes)")
        }
        if let dataBytes, dataBytes > limits.dataMB << 20 {
            return LimitBreach(limit: .dataSize, text: "data size limit exceeded: data/ holds \(dataBytes >> 20) MB, the limit is \(limits.dataMB) MB (--service-data)")
        }
        cpu.append((now, u.cpuSeconds))
        // Keep one sample at least a window old as the baseline: samples come about a second apart, not on the edge.
        while cpu.count > 1 && now - cpu[1].at >= limits.cpuWindowSeconds { cpu.removeFirst() }
        if let first = cpu.first, now - first.at >= limits.cpuWindowSeconds * 0.9 {
            let share = (u.cpuSeconds - first.used) / (now - first.at) * 100
            if share > Double(limits.cpuPercent) {
                return LimitBreach(limit: .cpu, text: "CPU limit exceeded: \(Int(share))% of a core over \(Int(now - first.at)) s, the limit is \(limits.cpuPercent)% (--service-cpu)")
            }
        }
        return nil
    }
}
