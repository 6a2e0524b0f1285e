// `fake-llm SCRIPT.json`: the scripted OpenAI-compatible server as a process, for tests outside Swift
// (the Python SDK suite). Prints `port=N` once listening; runs until killed.
// Script: [{"text": ["Hel", "lo"]}, {"tool_calls": [{"id": "c1", "name": "f", "arguments": "{}"}]},
//          {"error": {"status": 429, "message": "slow down", "retry_after": "0"}}]
import Core
import FakeLLM
import Foundation

// Flags: --loop (replay turns forever), --chunk-delay SECONDS (default 0.01), --port N (default: any free one).
var args = Array(CommandLine.arguments.dropFirst())
@MainActor func flag(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    let v = args[i + 1]
    args.removeSubrange(i...(i + 1))
    return v
}
let loop = args.contains("--loop")
args.removeAll { $0 == "--loop" }
let chunkDelay = flag("--chunk-delay").flatMap(Double.init) ?? 0.01
let port = flag("--port").flatMap(Int.init) ?? 0
guard args.count == 1, let turns = try? ScriptFile.load(args[0]) else {
    FileHandle.standardError.write(Data("usage: fake-llm [--loop] [--chunk-delay S] [--port N] SCRIPT.json (a JSON list of turns)\n".utf8))
    exit(2)
}
let server = try FakeLLMServer(turns, chunkDelay: chunkDelay, loop: loop, port: port)
FileHandle.standardOutput.write(Data("port=\(URL(string: server.baseURL)!.port!)\n".utf8))
while true { sleep(3600) }
