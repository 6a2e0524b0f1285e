import Core
import Foundation
import HTTPClient
import Testing
import TestSupport

/// What the offline end-to-end suites do to a real server: start it, chat, call services, wait for runs.
protocol OfflineChatting {}

extension OfflineChatting {
    func serve(_ label: String, _ extra: [String] = []) async throws -> (RunningBinary, HTTPClient, String) {
        let home = try TestPaths.temporaryDirectory(label)
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home] + extra)
        try await bin.waitUntilListening()
        return (bin, HTTPClient(defaultHeaders: TestAuth.headers), "http://127.0.0.1:\(bin.port)")
    }

    /// One chat turn; the raw event stream, as it arrived.
    func chat(_ client: HTTPClient, _ base: String, _ text: String) async throws -> String {
        let created = try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats"))
        let id = try #require(JSONValue.parse(created.body)?["id"]?.string)
        let stream = try await client.stream(ClientRequest(method: "POST", url: "\(base)/api/v1/chats/\(id)/messages",
                                                           headers: [("Content-Type", "application/json")],
                                                           body: JSONValue.object(["content": .string(text)]).bytes, timeout: 0, stallTimeout: 60))
        var raw = ""
        for try await chunk in stream.body { raw += String(decoding: chunk, as: UTF8.self) }
        return raw
    }

    func json(_ client: HTTPClient, _ method: String, _ url: String, _ body: String? = nil) async throws -> (Int, JSONValue) {
        let r = try await client.send(ClientRequest(method: method, url: url, headers: [("Content-Type", "application/json")], body: body.map { Array($0.utf8) }))
        return (r.status, JSONValue.parse(r.body) ?? .string(r.text))
    }

    func waitRun(_ c: HTTPClient, _ base: String, _ id: String) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let run = try await json(c, "GET", base + "/api/v1/runs/\(id)").1
            if ["succeeded", "failed", "cancelled"].contains(run["status"]?.string ?? "") { return run }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw TestError("run \(id) did not finish")
    }

    func waitStatus(_ c: HTTPClient, _ base: String, _ slug: String, _ want: String) async throws {
        var status = ""
        for _ in 0..<400 where status != want {
            status = try await json(c, "GET", base + "/api/v1/services/\(slug)").1["status"]?.string ?? ""
            if status != want { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        #expect(status == want, "\(slug) is \(status)")
    }
}
