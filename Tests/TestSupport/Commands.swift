import Core
import Foundation
import Processes

/// Runs a built product (the `openpieces` CLI) to completion: exit code, standard output, standard error.
public func runProduct(_ arguments: [String], product name: String = "openpieces", stdin: String? = nil,
                       environment: [String: String] = ["OPENPIECES_TOKEN": TestAuth.token]) async throws -> (Int32, String, String) {
    try await runCommand(TestPaths.product(name), arguments, stdin: stdin, environment: environment)
}

/// Runs any program to completion, with `environment` over this process's: exit code, standard output, error.
public func runCommand(_ executable: String, _ arguments: [String], stdin: String? = nil,
                       environment: [String: String] = [:]) async throws -> (Int32, String, String) {
    try await offPool {
        let p = ChildProcess()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        for (k, v) in TestDatabase.environment(arguments: arguments, environment: env) { env[k] = v }
        p.environment = env
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

/// The admin token every test server is started with (`OPENPIECES_ADMIN_TOKEN`), and the header that sends it.
public enum TestAuth {
    public static let token = "op_admin_test_token_0123456789abcdef"
    public static let headers = [("Authorization", "Bearer \(token)")]
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

import HTTPClient

/// Starts a chat on a running server and sends one message; returns the turn's events.
public func chatTurn(_ client: HTTPClient, base: String, chat: String? = nil, _ text: String) async throws -> [(name: String, data: JSONValue)] {
    var id = chat
    if id == nil {
        id = JSONValue.parse(try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats")).body)?["id"]?.string
    }
    guard let id else { throw TestError("could not create a chat") }
    let stream = try await client.stream(ClientRequest(method: "POST", url: "\(base)/api/v1/chats/\(id)/messages",
                                                       headers: [("Content-Type", "application/json")],
                                                       body: JSONValue.object(["content": .string(text)]).bytes, timeout: 0, stallTimeout: 120))
    var raw = ""
    for try await chunk in stream.body { raw += String(decoding: chunk, as: UTF8.self) }
    return sseEvents(raw)
}
