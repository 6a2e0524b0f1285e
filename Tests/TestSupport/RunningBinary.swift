import Foundation
import Processes

/// Runs the real `openpieces` binary (or a script that ends by exec-ing it, such as `scripts/serve`).
public final class RunningBinary: @unchecked Sendable {
    public let process = ChildProcess()
    public let stderr = Pipe()
    public let stdout = Pipe()
    public private(set) var port = 0
    private var log = ""

    public init(_ arguments: [String], environment: [String: String] = [:], executable: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable ?? TestPaths.product("openpieces"))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // Every test server knows the test admin token, so tests authenticate like any client.
        env["OPENPIECES_ADMIN_TOKEN"] = TestAuth.token
        // Test servers leave a desktop's Pieces port file alone unless a test asks (with its own HOME).
        env["OPENPIECES_PIECES_PORT_FILE"] = "off"
        for (k, v) in environment { env[k] = v }
        for (k, v) in TestDatabase.environment(arguments: arguments, environment: env) { env[k] = v }
        process.environment = env
        process.standardError = stderr
        process.standardOutput = stdout
        try process.run()
    }

    /// Waits for the `server.listening` log line and reads the port from it.
    /// A test that fails halfway must not leave a server (and its services) running.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public func waitUntilListening() async throws {
        try await offPool { try self.waitUntilListeningBlocking() }
    }

    public func waitUntilExit() async throws {
        try await offPool { self.process.waitUntilExit() }
    }

    private func waitUntilListeningBlocking() throws {
        let handle = stderr.fileHandleForReading
        // Generous: on two busy cores the whole suite starts servers at once. The deadline holds even when the
        // server prints nothing (poll), not only between lines.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            var fd = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&fd, 1, left) > 0 else { continue }
            let data = handle.availableData
            if data.isEmpty { break }
            log += String(decoding: data, as: UTF8.self)
            if let line = log.split(separator: "\n").first(where: { $0.contains("event=server.listening") }),
               let field = line.split(separator: " ").first(where: { $0.hasPrefix("port=") }),
               let p = Int(field.dropFirst(5)) {
                port = p
                return
            }
        }
        throw TestError("the server did not report listening; log so far: \(log)")
    }

    /// What the server printed up to its `server.listening` line (without waiting for it to exit).
    public var startupLog: String { log }

    public func remainingStderr() -> String {
        log + String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

