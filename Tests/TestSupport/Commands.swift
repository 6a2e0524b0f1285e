import Core
import Foundation

/// Runs a built product (the `openpieces` CLI) to completion: exit code, standard output, standard error.
public func runProduct(_ arguments: [String], product name: String = "openpieces", stdin: String? = nil) async throws -> (Int32, String, String) {
    try await offPool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestPaths.product(name))
        p.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

/// Server-Sent Events text split into (event name, JSON data).
public func sseEvents(_ raw: String) -> [(name: String, data: JSONValue)] {
    raw.components(separatedBy: "\n\n").compactMap { block in
        var name = "", data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data += String(line.dropFirst(6)) }
        }
        guard !name.isEmpty else { return nil }
        return (name, JSONValue.parse(data) ?? .null)
    }
}
