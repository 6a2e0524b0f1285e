import Foundation
import Processes

/// Finds the real Deno binary: `OPENPIECES_DENO`, else the Python scripts folder where `pip install deno` puts it,
/// else PATH. A pyenv shim is skipped: it adds ~60 ms to every start.
public enum DenoLocator {
    public static func find(environment: [String: String]) -> String? {
        let fm = FileManager.default
        if let explicit = environment["OPENPIECES_DENO"], fm.isExecutableFile(atPath: explicit) { return explicit }
        if let scripts = pythonScripts {
            let candidate = (scripts as NSString).appendingPathComponent("deno")
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        for dir in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !dir.contains("/shims") {
            let candidate = (String(dir) as NSString).appendingPathComponent("deno")
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Asked once per process: starting Python takes tens of milliseconds, seconds on a loaded machine, and the
    /// answer does not change while the process runs.
    static let pythonScripts: String? = pythonScriptsFolder()

    static func pythonScriptsFolder() -> String? {
        let p = ChildProcess()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sysconfig;print(sysconfig.get_path('scripts'))"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `deno --version`'s first line, e.g. `deno 2.9.8 (stable, release, x86_64-unknown-linux-gnu)`.
    public static func version(_ path: String) -> String? {
        let p = ChildProcess()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["--version"]
        p.environment = ["NO_COLOR": "1"]
        let out = Pipe()
        p.standardOutput = out
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init)
    }
}
