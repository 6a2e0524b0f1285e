import CSQLiteVersion
import Core
import Foundation
import Services

/// `openpieces doctor`: what the platform needs, checked, each problem with its fix.
enum Doctor {
    static func run(_ arguments: [String], _ environment: [String: String]) -> Int32 {
        let options: ServeOptions
        do { options = try OptionSpec.resolve(arguments: arguments, environment: environment) } catch {
            CLI.fail("\(error.message). See 'openpieces doctor --help'.")
            return 2
        }
        var problems = 0
        func line(_ ok: Bool, _ text: String) {
            print("\(ok ? "ok  " : "FAIL") \(text)")
            if !ok { problems += 1 }
        }
        print("openpieces \(ProductVersion.current) (Pieces OS API \(ProductVersion.piecesAPILevel))")
        if let deno = DenoLocator.find(environment: environment) {
            line(true, "deno: \(deno) (\(DenoLocator.version(deno) ?? "version unknown"))")
        } else {
            line(false, "deno: not found. Run scripts/setup (it installs the PyPI package deno), or set OPENPIECES_DENO to the binary.")
        }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: options.home, isDirectory: &isDir), isDir.boolValue {
            line(fm.isWritableFile(atPath: options.home), "data directory: \(options.home)\(fm.isWritableFile(atPath: options.home) ? "" : " is not writable: fix its permissions or pass --home")")
        } else {
            print("info data directory: \(options.home) does not exist yet (created by `openpieces serve`)")
        }
        if let server = options.databaseURL {
            line(true, "database: PostgreSQL at \(server.redacted)")
        } else if fm.fileExists(atPath: options.databasePath) {
            let size = (try? fm.attributesOfItem(atPath: options.databasePath)[.size] as? Int) ?? 0
            line(true, "database: \(options.databasePath) (\(size / 1024) KiB)")
        }
        let keyPath = (options.home as NSString).appendingPathComponent("master.key")
        if environment["OPENPIECES_MASTER_KEY"] != nil {
            line(true, "master key: from OPENPIECES_MASTER_KEY")
        } else if let attrs = try? fm.attributesOfItem(atPath: keyPath), let mode = attrs[.posixPermissions] as? Int {
            line(mode & 0o077 == 0, "master key: \(keyPath) (mode \(String(mode, radix: 8)))\(mode & 0o077 == 0 ? "" : ": others can read it; run chmod 600")")
        }
        print("info sqlite \(String(cString: op_sqlite_version())), libcurl \(String(cString: op_curl_version()))")
        return problems == 0 ? 0 : 1
    }
}
