import Core
import Foundation
import HTTPClient
import LLM

/// `openpieces chat`: talk to the Orchestrator of a running server, one-shot (`-m "…"`) or interactively.
enum ChatCommand {
    static let help = """
        usage: openpieces chat [-m MESSAGE] [--chat ID] [--url URL] [--token TOKEN]

        Without -m, reads one message per line until end of input (or "exit"). Each turn streams: the answer's text,
        → each tool call, ← its result, · the code-generation agent's progress.
        """

    static func run(_ arguments: [String], _ environment: [String: String]) async -> Int32 {
        var args = Arguments(arguments)
        let (url, token) = RemoteCommands.target(&args, environment)
        let message = args.take("-m") ?? args.take("--message")
        var chatID = args.take("--chat")
        guard args.rest.isEmpty else {
            CLI.fail("unexpected argument '\(args.rest[0])'. See 'openpieces chat --help'.")
            return 2
        }
        let client = HTTPClient(defaultHeaders: token.map { [("Authorization", "Bearer \($0)")] } ?? [])
        do {
            if chatID == nil {
                let r = try await client.send(ClientRequest(method: "POST", url: url + "/api/v1/chats", headers: [("Content-Type", "application/json")],
                                                            body: JSONValue.object(["title": .string(String((message ?? "chat").prefix(60)))]).bytes))
                guard r.status == 201, let id = JSONValue.parse(r.body)?["id"]?.string else {
                    CLI.fail("could not create a chat (HTTP \(r.status)).\(r.status == 401 ? " " + RemoteCommands.tokenHint : "")")
                    return 1
                }
                chatID = id
            }
            if let message { return try await turn(client, url, chatID!, message) }
            while let line = readLine() {
                let text = line.trimmingCharacters(in: .whitespaces)
                if text == "exit" || text == "quit" { break }
                if text.isEmpty { continue }
                _ = try await turn(client, url, chatID!, text)
            }
            return 0
        } catch let e as HTTPClientError {
            CLI.fail("cannot reach openpieces at \(url) (\(e)). Is `openpieces serve` running? Pass --url or set OPENPIECES_URL.")
            return 1
        } catch {
            CLI.fail("\(error)")
            return 1
        }
    }

    static func turn(_ client: HTTPClient, _ url: String, _ chat: String, _ text: String) async throws -> Int32 {
        let stream = try await client.stream(ClientRequest(method: "POST", url: "\(url)/api/v1/chats/\(chat)/messages",
                                                           headers: [("Content-Type", "application/json")],
                                                           body: JSONValue.object(["content": .string(text)]).bytes, timeout: 0, stallTimeout: 600))
        guard stream.status == 200 else {
            var body: [UInt8] = []
            for try await c in stream.body { body += c }
            CLI.fail(JSONValue.parse(body)?["error"]?["message"]?.string ?? "HTTP \(stream.status)")
            return 1
        }
        var parser = SSEParser()
        var code: Int32 = 0
        var streamed = false  // text printed since the last tool call: the final answer, if so, is already on screen
        for try await chunk in stream.body {
            for event in parser.feedEvents(chunk) {
                let name = event.name
                let v = JSONValue.parse(event.data) ?? .null
                switch name {
                case "text":
                    print(v["text"]?.string ?? "", terminator: "")
                    streamed = true
                case "tool_call":
                    if streamed { print("") }
                    streamed = false
                    print("→ \(v["name"]?.string ?? "")")
                case "tool_result": print("← \(v["name"]?.string ?? "") \(v["ok"]?.bool == true ? "ok" : "failed") (\(v["ms"]?.int ?? 0) ms)")
                case "progress": print("· \(v["message"]?.string ?? "")")
                case "budget":
                    print("⏸ stopped: this turn used \(v["reason"]?.string ?? "its budget")")
                case "done":
                    // A turn that ended without streaming its answer (a budget, a model that sent none) still says so.
                    print(streamed ? "" : (v["text"]?.string ?? ""))
                    streamed = false
                case "error":
                    print("")
                    CLI.fail(v["message"]?.string ?? "the turn failed")
                    code = 1
                default: break
                }
                RemoteCommands.fflushStdout()
            }
        }
        return code
    }
}
