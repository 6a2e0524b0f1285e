import App
@testable import Agents
@testable import Brain
import Foundation
import LLM
@testable import PiecesAPI
@testable import Store
import Testing
import TestSupport
@testable import Webhooks

/// The row readers of chats, the Brain, webhooks and the Pieces store read the columns their queries must return:
/// a row without one of them (a misspelt or dropped column) is an error naming it, not a record full of defaults.
@Suite(.offPool) struct RowMapperTests {
    func database() throws -> Database {
        let path = (try TestPaths.temporaryDirectory("row-mappers") as NSString).appendingPathComponent("t.sqlite")
        return try TestDatabase.open(path, migrations: Schema.all)
    }

    func row(_ db: Database, _ sql: String) throws -> Row {
        try #require(try db.read { try $0.queryOne(sql) })
    }

    /// `decode` reads the whole row, and fails naming the column once any of `required` is missing.
    func requires<T>(_ required: [String], of row: Row, _ decode: (Row) throws -> T) throws {
        _ = try decode(row)
        for name in required {
            let i = try #require(row.columns.firstIndex(of: name), "the query returns no '\(name)'")
            var columns = row.columns, values = row.values
            columns.remove(at: i)
            values.remove(at: i)
            #expect(throws: StoreError.column(name: name, message: "is not in the row")) { try decode(Row(columns: columns, values: values)) }
        }
    }

    @Test func chatRowsNeedEveryColumn() throws {
        let db = try database()
        let chats = ChatStore(db: db)
        let chat = try chats.create(title: "t")
        try chats.append(chat.id, [.assistant("hi", toolCalls: [ToolCall(id: "c1", name: "n", arguments: "{}")]), .tool(callID: "c1", "out")])
        try requires(["id", "title", "agent", "model", "created", "updated"], of: try row(db, "SELECT * FROM chats"), ChatStore.record)
        try requires(["role", "content", "tool_calls", "tool_call_id"], of: try row(db, "SELECT * FROM chat_messages ORDER BY seq"), ChatStore.message)
        #expect(try chats.messages(chat.id).map(\.role) == [.assistant, .tool])
        try db.write { _ = try $0.execute("UPDATE chat_messages SET role = 'robot' WHERE seq = 1") }
        #expect(throws: StoreError.column(name: "role", message: "holds 'robot', not a known Role")) { try chats.messages(chat.id) }
    }

    @Test func brainRowsNeedEveryColumn() throws {
        let db = try database()
        let brain = Brain(db: db)
        _ = try brain.write(kind: "fact", text: "the sky is blue", tags: ["sky"], source: "test")
        try requires(["id", "kind", "text", "tags", "source", "confidence", "uses", "created", "updated", "last_used"],
                     of: try row(db, "SELECT * FROM brain_entries"), Brain.entry)
        #expect(try brain.search("sky").first?.text == "the sky is blue")
    }

    @Test func webhookRowsNeedEveryColumn() throws {
        let db = try database()
        let hooks = try WebhookStore(db: db, masterKey: [UInt8](repeating: 7, count: 32))
        _ = try hooks.create(url: "http://127.0.0.1:9/hook", events: ["service.crashed"])
        try requires(["id", "url", "events", "created"], of: try row(db, "SELECT id, url, events, created FROM webhooks"), WebhookStore.webhook)
        #expect(try hooks.enqueue("service.crashed", ["x": 1]) == 1)
        let later = Date().addingTimeInterval(60)
        #expect(try hooks.claimDue(now: later).count == 1)
        // Taken: not due again until the claim's lease runs out (the sender died before recording its attempt).
        #expect(try hooks.claimDue(now: later).isEmpty)
        #expect(try hooks.claimDue(now: later.addingTimeInterval(WebhookStore.claimLease + 1)).count == 1)
    }

    @Test func piecesRowsNeedEveryColumn() throws {
        let db = try database()
        let store = try PiecesStore(db: db)
        let conversation = try store.createConversation(name: "c")
        try store.appendMessage(conversation.id, role: "USER", text: "hello", modelID: nil)
        try requires(["id", "name", "version", "platform", "privacy", "onboarded", "created"],
                     of: try row(db, "SELECT * FROM applications"), PiecesStore.application)
        try requires(["id", "name", "type", "model_id", "created", "updated"], of: try row(db, "SELECT * FROM conversations")) {
            try PiecesStore.conversation($0, [])
        }
        try requires(["id", "conversation_id", "seq", "role", "text", "model_id", "model_name", "created", "updated"],
                     of: try row(db, "SELECT * FROM conversation_messages"), PiecesStore.message)
        #expect(try store.conversation(conversation.id)?.messageIDs.count == 1)
    }
}
