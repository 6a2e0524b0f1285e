@testable import App
import Core
import Foundation
import HTTPServer
import Testing
import TestSupport

/// The Pieces port file: written for the desktop plugins, never over another live Pieces OS, taken back at shutdown.
@Suite struct PortFileTests {
    /// A stand-in for another Pieces OS: answers `GET /.well-known/health`.
    func otherPiecesOS() throws -> HTTPServer {
        var router = Router()
        router.add("GET", "/.well-known/health", .inline { _ in Response.text("ok") })
        var limits = ServerLimits()
        limits.shutdownGrace = 1
        return try HTTPServer(configuration: ServerConfiguration(port: 0, eventLoops: 1, limits: limits), router: router,
                              logger: Logger(sink: LogSink(capturingAt: .error)))
    }

    /// A port nothing listens on (bound, then released).
    func deadPort() async throws -> Int {
        let s = try otherPiecesOS()
        let p = s.port
        await s.shutdown()
        return p
    }

    func write(_ file: PiecesPortFile, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: (file.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file.path, atomically: true, encoding: .utf8)
    }

    @Test func pathIsWherePluginsLook() throws {
        let file = PiecesPortFile(userHome: "/home/u")
        #if os(macOS)
        #expect(file.path == "/home/u/Library/com.pieces.os/production/Config/.port.txt")
        #else
        #expect(file.path == "/home/u/Documents/com.pieces.os/production/Config/.port.txt")
        #endif
    }

    @Test func writesWhenAbsentOrStaleOrOurs() async throws {
        let file = PiecesPortFile(userHome: try TestPaths.temporaryDirectory("portfile"))
        #expect(await file.claim(port: 39301) == .wrote)
        #expect(file.current() == 39301)
        // The file names a port where nothing answers any more: stale, ours to take.
        try write(file, "\(try await deadPort())\n")
        #expect(await file.claim(port: 39302) == .wrote)
        #expect(try String(contentsOfFile: file.path, encoding: .utf8) == "39302")
        // Our own port (a restart on the same port): rewritten without asking anyone.
        #expect(await file.claim(port: 39302, isLive: { _ in Issue.record("must not probe our own port"); return true }) == .wrote)
        // Garbage is stale too.
        try write(file, "not a port")
        #expect(await file.claim(port: 39303) == .wrote)
        // A FIFO put in its place is not read (reading would wait for a writer for ever): replaced.
        try FileManager.default.removeItem(atPath: file.path)
        #expect(mkfifo(file.path, 0o600) == 0)
        #expect(file.current() == nil)
        #expect(await file.claim(port: 39307) == .wrote)
        #expect(file.current() == 39307)
    }

    @Test func neverOverwritesAnotherLivePiecesOS() async throws {
        let other = try otherPiecesOS()
        defer { Task { await other.shutdown() } }
        let file = PiecesPortFile(userHome: try TestPaths.temporaryDirectory("portfile"))
        try write(file, "\(other.port)")
        #expect(await file.claim(port: 39304) == .keptLiveOther(port: other.port))
        #expect(file.current() == other.port)
        // Shutting down does not remove a file that is not ours.
        file.release(port: 39304)
        #expect(file.current() == other.port)
    }

    @Test func releaseRemovesOnlyOurPort() async throws {
        let file = PiecesPortFile(userHome: try TestPaths.temporaryDirectory("portfile"))
        #expect(await file.claim(port: 39305) == .wrote)
        file.release(port: 39306)
        #expect(file.current() == 39305)
        file.release(port: 39305)
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }

    @Test func autoModeIsOnForDesktopSessionsOnly() throws {
        #expect(try OptionSpec.resolve(arguments: [], environment: [:]).piecesPortFile == .auto)
        #expect(try OptionSpec.resolve(arguments: ["--pieces-port-file"], environment: [:]).piecesPortFile == .on)
        #expect(try OptionSpec.resolve(arguments: ["--pieces-port-file", "--port", "1"], environment: [:]).piecesPortFile == .on)
        #expect(try OptionSpec.resolve(arguments: ["--no-pieces-port-file"], environment: ["OPENPIECES_PIECES_PORT_FILE": "on"]).piecesPortFile == .off)
        #expect(try OptionSpec.resolve(arguments: ["--pieces-port-file=off"], environment: [:]).piecesPortFile == .off)
        #expect(try OptionSpec.resolve(arguments: [], environment: ["OPENPIECES_PIECES_PORT_FILE": "on"]).piecesPortFile == .on)
        #expect(throws: UsageError.self) { try OptionSpec.resolve(arguments: ["--pieces-port-file=maybe"], environment: [:]) }
        #if !os(macOS)
        #expect(!PortFileMode.auto.enabled(environment: [:]))
        #expect(PortFileMode.auto.enabled(environment: ["DISPLAY": ":0"]))
        #expect(PortFileMode.auto.enabled(environment: ["WAYLAND_DISPLAY": "wayland-0"]))
        #endif
        #expect(!PortFileMode.off.enabled(environment: ["DISPLAY": ":0"]))
        #expect(PortFileMode.on.enabled(environment: [:]))
    }

    /// The real binary, in a desktop session (DISPLAY set) with a temporary HOME.
    func serve(_ home: String, _ extra: [String] = []) throws -> RunningBinary {
        try RunningBinary(["serve", "--port", "0", "--home", home + "/data"] + extra,
                          environment: ["HOME": home, "DISPLAY": ":99", "OPENPIECES_PIECES_PORT_FILE": ""])
    }

    @Test func serverWritesTheFileAndRemovesItAtShutdown() async throws {
        let home = try TestPaths.temporaryDirectory("portfile-serve")
        let file = PiecesPortFile(userHome: home)
        let bin = try serve(home)
        try await bin.waitUntilListening()
        #expect(file.current() == bin.port)
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: file.path))
        // --no-pieces-port-file leaves it alone, desktop or not.
        let off = try serve(home, ["--no-pieces-port-file"])
        try await off.waitUntilListening()
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(!FileManager.default.fileExists(atPath: file.path))
        kill(off.process.processIdentifier, SIGTERM)
        try await off.waitUntilExit()
    }

    @Test func serverKeepsTheFileOfALiveOtherPiecesOS() async throws {
        let other = try otherPiecesOS()
        defer { Task { await other.shutdown() } }
        let home = try TestPaths.temporaryDirectory("portfile-serve")
        let file = PiecesPortFile(userHome: home)
        try write(file, "\(other.port)")
        let bin = try serve(home, ["--pieces-port-file"])
        try await bin.waitUntilListening()
        #expect(bin.startupLog.contains("event=pieces.port_file_kept"))
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
        #expect(file.current() == other.port)
    }
}
