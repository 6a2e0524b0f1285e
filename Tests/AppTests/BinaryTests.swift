import Foundation
import HTTPClient
import Testing
import TestSupport

@Suite struct BinaryTests {
    @Test func servesHealthAndStopsGracefullyOnSIGTERM() async throws {
        let home = try TestPaths.temporaryDirectory("bin")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        let head = try await client.send(ClientRequest(method: "HEAD", url: "\(base)/.well-known/health"))
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        let health = try await client.send(ClientRequest(url: "\(base)/.well-known/health"))
        #expect(health.text == "ok")
        #expect(health.header("Content-Type")?.hasPrefix("text/plain") == true)
        let version = try await client.send(ClientRequest(url: "\(base)/.well-known/version"))
        let parts = version.text.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count == 3 && parts[0] == 12, "Pieces clients accept 12.0.0 ≤ v < 13.0.0, got \(version.text)")
        let api = try await client.send(ClientRequest(url: "\(base)/api/v1/version"))
        let json = try JSONSerialization.jsonObject(with: Data(api.body)) as? [String: String]
        #expect(json?["version"] == "0.1.0")
        // The data directory holds the database (on SQLite), private to the user.
        #expect(FileManager.default.fileExists(atPath: home + "/openpieces.sqlite") != TestDatabase.isPostgres)

        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
        #expect(bin.process.terminationStatus == 0)
        let log = bin.remainingStderr()
        #expect(log.contains("event=server.stopping signal=SIGTERM"))
        #expect(log.contains("event=server.stopped"))
    }

    @Test func portInUseNamesTheFix() async throws {
        let home = try TestPaths.temporaryDirectory("bin2")
        let first = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await first.waitUntilListening()
        defer { kill(first.process.processIdentifier, SIGKILL); first.process.waitUntilExit() }
        let second = try RunningBinary(["serve", "--port", "\(first.port)", "--home", try TestPaths.temporaryDirectory("bin2b")])
        try await second.waitUntilExit()
        #expect(second.process.terminationStatus == 1)
        let message = second.remainingStderr()
        #expect(message.contains("already in use"))
        #expect(message.contains("--port"))
        // One server per data directory: a second would run every service, task and run twice.
        let third = try RunningBinary(["serve", "--port", "0", "--home", home])
        try await third.waitUntilExit()
        #expect(third.process.terminationStatus == 1)
        #expect(third.remainingStderr().contains("another `openpieces serve` is using the data directory \(home)"))
    }

    @Test func usageErrorsExitTwo() async throws {
        let bad = try RunningBinary(["serve", "--port", "nope"])
        try await bad.waitUntilExit()
        #expect(bad.process.terminationStatus == 2)
        #expect(bad.remainingStderr().contains("See 'openpieces serve --help'"))
        // Tuning read from the environment is checked like every option: out of range stops the server.
        let tuning = try RunningBinary(["serve", "--port", "0", "--home", try TestPaths.temporaryDirectory("bin-tuning")],
                                       environment: ["OPENPIECES_RUN_CONCURRENCY": "0"])
        try await tuning.waitUntilExit()
        #expect(tuning.process.terminationStatus == 2)
        #expect(tuning.remainingStderr().contains("OPENPIECES_RUN_CONCURRENCY: --run-concurrency takes a whole number from 1 to 64, not '0'"))
        let unknown = try RunningBinary(["frobnicate"])
        try await unknown.waitUntilExit()
        #expect(unknown.process.terminationStatus == 2)
    }

    @Test func helpAndVersion() async throws {
        let help = try RunningBinary(["serve", "--help"])
        try await help.waitUntilExit()
        let text = String(decoding: help.stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(help.process.terminationStatus == 0)
        #expect(text.contains("--port"))
        #expect(text.contains("OPENPIECES_PORT"))
        let version = try RunningBinary(["version"])
        try await version.waitUntilExit()
        #expect(String(decoding: version.stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).hasPrefix("openpieces 0.1.0"))
    }

    /// One command table answers `--help` for every command, `help <command>`, bare groups and unknown commands.
    @Test func everyCommandAnswersHelpFromTheTable() async throws {
        func run(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
            let bin = try RunningBinary(arguments)
            try await bin.waitUntilExit()
            let out = String(decoding: bin.stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return (bin.process.terminationStatus, out, bin.remainingStderr())
        }
        let main = try await run(["help"])
        #expect(main.status == 0)
        #expect(main.out.contains("\n  serve     run the platform") && main.out.contains("\n  workflows list, import")
                && main.out.contains("\n  admin-token  make a new admin token") && main.out.hasSuffix("for a command's options.\n"), "\(main.out)")
        for alias in [[], ["--help"], ["-h"]] { #expect(try await run(alias).out == main.out) }
        let commands = ["serve", "chat", "services", "secrets", "brain", "workflows", "runs", "tasks", "eval", "doctor", "admin-token",
                        "import-assets", "version"]
        for name in commands {
            let help = try await run([name, "--help"])
            #expect(help.status == 0, "\(name)")
            #expect(help.out.hasPrefix("usage: openpieces \(name)"), "\(name): \(help.out)")
            #expect(main.out.contains("\n  \(name) "), "\(name) is missing from the main help")
            #expect(try await run([name, "--url", "http://127.0.0.1:1", "-h"]).out == help.out, "\(name)")
            #expect(try await run(["help", name]).out == help.out, "\(name)")
        }
        let bare = try await run(["tasks"])
        #expect(bare.status == 2)
        #expect(bare.out.hasPrefix("usage: openpieces tasks <command>"))
        let unknown = try await run(["frobnicate", "--help"])
        #expect(unknown.status == 2)
        #expect(unknown.out.isEmpty)
        #expect(unknown.err == "openpieces: error: unknown command 'frobnicate'. Run 'openpieces help' for the commands.\n")
    }

    @Test func unwritableHomeIsAClearError() async throws {
        let bin = try RunningBinary(["serve", "--port", "0", "--home", "/proc/openpieces-test"])
        try await bin.waitUntilExit()
        #expect(bin.process.terminationStatus == 1)
        #expect(bin.remainingStderr().contains("--home"))
    }
}
