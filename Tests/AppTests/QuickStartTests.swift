import Foundation
import Testing
import TestSupport

/// The README's "First run", as a newcomer follows it: its blocks run in order on a fresh data directory through
/// `bash`, the server block with `scripts/serve` itself (on the binary already built, and on a free port the
/// later blocks are pointed at), and every `# prints:` line under a command must appear in what it printed.
@Suite struct QuickStartTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    struct Command {
        var line: String
        var prints: [String] = []
    }

    /// The `sh` blocks of the README's "First run" section: each command with the `# prints:` lines after it.
    static func firstRunBlocks(_ readme: String) -> [[Command]] {
        guard let start = readme.range(of: "\n## First run\n") else { return [] }
        let rest = readme[start.upperBound...]
        let section = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        var blocks: [[Command]] = [], current: [Command]?
        for raw in section.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line == "```sh" { current = [] } else if line == "```", let c = current { blocks.append(c); current = nil } else if current != nil {
                if line.hasPrefix("# prints: ") { current![current!.count - 1].prints.append(String(line.dropFirst(10))) } else if !line.isEmpty, !line.hasPrefix("#") {
                    current!.append(Command(line: line))
                }
            }
        }
        return blocks
    }

    @Test func theReadmesFirstRunWorksAsWritten() async throws {
        let readme = try String(contentsOfFile: Self.repo + "/README.md", encoding: .utf8)
        let blocks = Self.firstRunBlocks(readme)
        #expect(blocks.count == 2)
        let serve = try #require(blocks.first?.first)
        #expect(serve.line == "scripts/serve")
        let steps = try #require(blocks.dropFirst().first)
        #expect(steps.count >= 4 && steps.allSatisfy { !$0.prints.isEmpty }, "every step says what it prints")

        let home = try TestPaths.temporaryDirectory("quickstart")
        let bin = home + "/bin"
        let environment = ["OPENPIECES_HOME": home, "OPENPIECES_PORT": "0", "OPENPIECES_TOKEN": "", "OPENPIECES_ADMIN_TOKEN": "",
                           "OPENPIECES_BIN_DIR": TestPaths.productsDirectory.path, "OPENPIECES_BIN_LINK_DIR": bin]
        // `exec`: the server replaces the shell, so the SIGTERM below (and the parent-death signal) reach it.
        let server = try RunningBinary(["-c", "cd \(Self.repo) && exec " + serve.line], environment: environment, executable: "/bin/bash")
        defer { kill(server.process.processIdentifier, SIGTERM) }
        try await server.waitUntilListening()
        // The link scripts/serve made is what the later blocks find on PATH.
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: bin + "/openpieces") == TestPaths.product("openpieces"))

        var shell = ProcessInfo.processInfo.environment
        for (k, v) in environment { shell[k] = v }
        shell["PATH"] = bin + ":" + (shell["PATH"] ?? "/usr/bin:/bin")
        shell["OPENPIECES_URL"] = "http://127.0.0.1:\(server.port)"
        for step in steps {
            let line = step.line.replacingOccurrences(of: ":39300", with: ":\(server.port)")
            let (code, out, err) = try await runCommand("/bin/bash", ["-c", line], environment: shell)
            #expect(code == 0, "\(step.line) exited \(code): \(err.suffix(2000))")
            for expected in step.prints {
                let wanted = expected.replacingOccurrences(of: ":39300", with: ":\(server.port)")
                #expect(out.contains(wanted), "\(step.line) printed \(out.suffix(2000)), not '\(wanted)'")
            }
        }
    }
}
