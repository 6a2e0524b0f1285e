@testable import Agents
import Core
import FakeLLM
import Foundation
import HTTPClient
import LLM
import Store
import Testing
import TestSupport

/// A service's code-generation session is kept by service: found however many chats came after it, never listed
/// among the user's chats, and carried over from databases made before it was keyed.
@Suite(.serialized) struct CodegenSessionTests {
    static func call(_ name: String, _ args: JSONValue, _ id: String) -> ToolCall { ToolCall(id: id, name: name, arguments: args.text) }

    func turn(_ client: HTTPClient, _ base: String, _ chat: String, _ text: String) async throws -> [(name: String, data: JSONValue)] {
        let stream = try await client.stream(ClientRequest(method: "POST", url: "\(base)/api/v1/chats/\(chat)/messages",
                                                           headers: [("Content-Type", "application/json")],
                                                           body: JSONValue.object(["content": .string(text)]).bytes, timeout: 0, stallTimeout: 120))
        var raw = ""
        for try await chunk in stream.body { raw += String(decoding: chunk, as: UTF8.self) }
        return sseEvents(raw)
    }

    /// The session named by the build's first progress line ("codegen notes: session new|reused <id>").
    func session(_ events: [(name: String, data: JSONValue)]) -> (state: String, id: String)? {
        let line = events.compactMap { $0.name == "progress" ? $0.data["message"]?.string : nil }.first { $0.hasPrefix("codegen notes: session ") }
        let words = line?.split(separator: " ").map(String.init) ?? []
        return words.count == 5 ? (words[3], words[4]) : nil
    }

    func ids(_ client: HTTPClient, _ url: String) async throws -> [String] {
        let r = try await client.send(ClientRequest(url: url))
        #expect(r.status == 200)
        return JSONValue.parse(r.body)?["chats"]?.array?.compactMap { $0["id"]?.string } ?? []
    }

    @Test func aFixAfterFiveHundredOtherChatsReusesTheServicesSession() async throws {
        // The agent answers without deploying: the build fails, but its session (and what was asked) is kept.
        let fake = try FakeLLMServer([
            .toolCalls([Self.call("build_service", ["slug": "notes", "request": "a notes API"], "o1")]),
            .text(["I need more detail first."]),
            .text(["The build did not deploy."]),
            .toolCalls([Self.call("build_service", ["slug": "notes", "request": "add a title field"], "o2")]),
            .text(["Still not deployed."]),
            .text(["Still not deployed."]),
        ])
        defer { Task { await fake.shutdown() } }
        let home = try TestPaths.temporaryDirectory("codegen-session")
        let bin = try RunningBinary(["serve", "--port", "0", "--home", home, "--llm-base-url", fake.baseURL, "--llm-model", "fake-model"])
        try await bin.waitUntilListening()
        let client = HTTPClient(defaultHeaders: TestAuth.headers)
        let base = "http://127.0.0.1:\(bin.port)"
        let chat = try #require(JSONValue.parse(try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats")).body)?["id"]?.string)

        let first = try #require(session(try await turn(client, base, chat, "build me a notes API")))
        #expect(first.state == "new")
        // The user's chat list holds their chat, not the service's session; the service lists its session.
        #expect(try await ids(client, base + "/api/v1/chats") == [chat])
        #expect(try await ids(client, base + "/api/v1/chats?agent=codegen&service=notes") == [first.id])

        // More than a listing's worth of newer chats.
        for i in 0..<501 {
            let r = try await client.send(ClientRequest(method: "POST", url: base + "/api/v1/chats", headers: [("Content-Type", "application/json")],
                                                        body: JSONValue.object(["title": .string("chat \(i)")]).bytes))
            #expect(r.status == 201)
        }
        let second = try #require(session(try await turn(client, base, chat, "add a title to notes")))
        #expect(second.state == "reused")
        #expect(second.id == first.id)
        // The agent saw its earlier conversation.
        let fix = fake.requests[4]["messages"]?.array?.compactMap { $0["content"]?.string } ?? []
        #expect(fix.contains { $0.contains("Build the service 'notes': a notes API") })
        #expect(fix.contains { $0.contains("Change the service 'notes': add a title field") })

        #expect(try await ids(client, base + "/api/v1/chats?agent=codegen&service=notes") == [first.id])
        let mine = try await ids(client, base + "/api/v1/chats")
        #expect(mine.count == 500 && !mine.contains(first.id))
        #expect(try await ids(client, base + "/api/v1/chats?agent=codegen") == [first.id])
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func anUpgradedDatabaseKeepsEachServicesSession() async throws {
        let path = (try TestPaths.temporaryDirectory("codegen-upgrade") as NSString).appendingPathComponent("openpieces.db")
        // Before migration 28: sessions were codegen chats titled with the slug; a busy install forked "notes".
        let old = try await TestDatabase.open(path, migrations: ChatService.migrations.filter { $0.version < 28 })
        try old.write { db in
            let rows: [(String, String, String, String)] = [("fork", "notes", "codegen", "2026-01-01T00:00:00.000Z"),
                                                            ("kept", "notes", "codegen", "2026-01-02T00:00:00.000Z"),
                                                            ("todo", "todo", "codegen", "2026-01-01T00:00:00.000Z")]
                + (0..<600).map { ("chat-\($0)", "notes", "orchestrator", "2026-02-01T00:00:00.000Z") }
            for (id, title, agent, updated) in rows {
                _ = try db.execute("INSERT INTO chats(id, title, agent, created, updated) VALUES (?, ?, ?, ?, ?)", [id, title, agent, updated, updated])
            }
        }
        let store = ChatStore(db: try await TestDatabase.open(path, migrations: ChatService.migrations))
        #expect(try store.codegenSession(for: "notes").id == "kept")
        #expect(try store.codegenSession(for: "todo").id == "todo")
        // The earlier fork stays readable under its service; the user's chats hold none of them.
        #expect(try store.list(.codegenSessions(service: "notes")).map(\.id) == ["kept", "fork"])
        #expect(try store.list().count == 500)
        #expect(try store.list().allSatisfy { $0.agent == "orchestrator" })

        // A new service gets one session, however many builds ask at once.
        let ids = Locked<Set<String>>([])
        try await offPool {
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                if let id = try? store.codegenSession(for: "fresh").id { ids.withLock { _ = $0.insert(id) } }
            }
        }
        #expect(ids.withLock { $0.count } == 1)
        #expect(try store.list(.codegenSessions(service: "fresh")).count == 1)
        // Deleting the session lets the next build start a new one.
        let fresh = try #require(ids.withLock { $0.first })
        #expect(try store.delete(fresh))
        #expect(try store.codegenSession(for: "fresh").id != fresh)
    }
}
