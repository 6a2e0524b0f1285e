import Foundation
import Processes
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Children started by `ChildProcess` end with the process that started them (PR_SET_PDEATHSIG), and not before:
/// the thread that asked for one may end first.
@Suite struct ChildProcessTests {
    @Test func aChildDiesWithItsParentProcess() async throws {
        let pidFile = try TestPaths.temporaryDirectory("child-pdeathsig") + "/pid"
        // The parent is an exit test: a process of its own that starts a long sleep and exits at once.
        await #expect(processExitsWith: .success) { [pidFile = pidFile as String] in
            let p = ChildProcess()
            p.executableURL = URL(fileURLWithPath: "/bin/sleep")
            p.arguments = ["120"]
            try p.run()
            try "\(p.processIdentifier)".write(toFile: pidFile, atomically: true, encoding: .utf8)
            exit(0)
        }
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8)))
        let deadline = Date().addingTimeInterval(20)
        while isAlive(pid), Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(!isAlive(pid), "the sleep (pid \(pid)) outlived the process that started it")
        if isAlive(pid) { kill(pid, SIGKILL) }
    }

    @Test func aChildOutlivesTheThreadThatStartedIt() async throws {
        let p = ChildProcess()
        p.executableURL = URL(fileURLWithPath: "/bin/sleep")
        p.arguments = ["120"]
        // offPool's thread ends as soon as the child is started.
        try await offPool { try p.run() }
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(p.isRunning, "the child was killed when the starting thread ended")
        p.terminate()
        try await offPool { p.waitUntilExit() }
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGTERM)
    }

    @Test func aCommandThatCannotRunThrowsAndOneThatRunsReportsItsExit() async throws {
        let missing = ChildProcess()
        missing.executableURL = URL(fileURLWithPath: "/nonexistent/command")
        await #expect(throws: ChildProcess.SpawnError.self) { try await offPool { try missing.run() } }
        let badDirectory = ChildProcess()
        badDirectory.executableURL = URL(fileURLWithPath: "/bin/true")
        badDirectory.currentDirectoryURL = URL(fileURLWithPath: "/nonexistent/folder")
        await #expect(throws: ChildProcess.SpawnError.self) { try await offPool { try badDirectory.run() } }

        let sh = ChildProcess()
        sh.executableURL = URL(fileURLWithPath: "/bin/sh")
        sh.arguments = ["-c", "pwd; echo $GREETING; exit 3"]
        sh.environment = ["GREETING": "hello"]
        sh.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        let out = Pipe()
        sh.standardOutput = out
        try await offPool { try sh.run() }
        let text = try await offPool { String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        try await offPool { sh.waitUntilExit() }
        #expect(text == "/tmp\nhello\n")
        #expect(sh.terminationReason == .exit && sh.terminationStatus == 3)
    }
}

/// Running or stopped, but not a zombie: an orphan whose new parent does not reap it is dead all the same.
private func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(close, offsetBy: 2)] != "Z"
}
