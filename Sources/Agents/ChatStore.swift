import Core
import Foundation
import LLM
import Store

public struct ChatRecord: Sendable {
    public var id: String
    public var title: String
    public var agent: String
    /// The model this chat uses; nil for the configured one.
    public var model: String?
    public var created: String
    public var updated: String
}

/// Which chats a listing holds (newest first, at most 500).
public enum ChatFilter: Sendable, Equatable {
    /// The user's chats: every kind but code-generation sessions, which belong to their service.
    case userFacing
    /// The chats of one agent (`orchestrator`, `codegen`).
    case agent(String)
    /// The code-generation session(s) of one service (a session is titled with its service's slug).
    case codegenSessions(service: String)
}

/// Chats and their messages (user, assistant with tool calls, tool results) in SQLite: a chat resumes after a restart.
final class ChatStore: Sendable {
    static let migrations: [Migration] = [
        Migration(8, "chats", """
            CREATE TABLE chats (
                id TEXT PRIMARY KEY,
                title TEXT NOT NULL,
                agent TEXT NOT NULL DEFAULT 'orchestrator',
                created TEXT NOT NULL,
                updated TEXT NOT NULL
            );
            CREATE TABLE chat_messages (
                id TEXT PRIMARY KEY,
                chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                role TEXT NOT NULL,
                content TEXT,
                tool_calls TEXT,
                tool_call_id TEXT,
                created TEXT NOT NULL
            );
            CREATE INDEX chat_messages_chat ON chat_messages(chat_id, seq);
            """),
        // A tool result's outcome, duration and progress lines (see TurnLog): what the live view showed.
        Migration(18, "chat_message_detail", "ALTER TABLE chat_messages ADD COLUMN detail TEXT;"),
        Migration(22, "chat_model", "ALTER TABLE chats ADD COLUMN model TEXT;"),
        // Each service's code-generation session, found by key rather than by scanning the newest chats. Backfilled
        // with the session the old lookup picked (the most recently updated codegen chat titled with the slug).
        Migration(28, "codegen_sessions", """
            CREATE TABLE codegen_sessions (
                service TEXT PRIMARY KEY,
                chat_id TEXT NOT NULL UNIQUE REFERENCES chats(id) ON DELETE CASCADE
            );
            INSERT INTO codegen_sessions(service, chat_id)
                SELECT c.title, c.id FROM chats c WHERE c.agent = 'codegen' AND c.id = (
                    SELECT n.id FROM chats n WHERE n.agent = 'codegen' AND n.title = c.title ORDER BY n.updated DESC, n.id LIMIT 1);
            CREATE INDEX chats_agent_title ON chats(agent, title);
            """),
    ]

    /// The agent name of code-generation sessions.
    static let codegen = "codegen"

    let db: Database
    init(db: Database) { self.db = db }

    func create(title: String, agent: String = "orchestrator", model: String? = nil) throws -> ChatRecord {
        let now = Clock.iso8601Now()
        let r = ChatRecord(id: UUID().uuidString.lowercased(), title: title, agent: agent, model: model, created: now, updated: now)
        try db.write { try $0.execute("INSERT INTO chats(id, title, agent, model, created, updated) VALUES (?, ?, ?, ?, ?, ?)", [r.id, r.title, r.agent, model, now, now]) }
        return r
    }

    func rename(_ id: String, to title: String) throws {
        try db.write { _ = try $0.execute("UPDATE chats SET title = ? WHERE id = ?", [title, id]) }
    }

    func list(_ filter: ChatFilter = .userFacing) throws -> [ChatRecord] {
        let (condition, args): (String, [any SQLBindable]) = switch filter {
        case .userFacing: ("agent <> ?", [ChatStore.codegen])
        case .agent(let agent): ("agent = ?", [agent])
        case .codegenSessions(let service): ("agent = ? AND title = ?", [ChatStore.codegen, service])
        }
        return try db.read { try $0.query("SELECT * FROM chats WHERE \(condition) ORDER BY updated DESC, id LIMIT 500", args).map(ChatStore.record) }
    }

    /// The code-generation session of `service`, created (and keyed to it) on first use: one lookup by key, in one
    /// transaction, so concurrent builds of a service share one session however many chats there are.
    func codegenSession(for service: String) throws -> ChatRecord {
        try db.write { conn in
            if let row = try conn.queryOne("SELECT c.* FROM codegen_sessions s JOIN chats c ON c.id = s.chat_id WHERE s.service = ?", [service]) {
                return try ChatStore.record(row)
            }
            let now = Clock.iso8601Now()
            let r = ChatRecord(id: UUID().uuidString.lowercased(), title: service, agent: ChatStore.codegen, model: nil, created: now, updated: now)
            _ = try conn.execute("INSERT INTO chats(id, title, agent, created, updated) VALUES (?, ?, ?, ?, ?)", [r.id, r.title, r.agent, now, now])
            _ = try conn.execute("INSERT INTO codegen_sessions(service, chat_id) VALUES (?, ?)", [service, r.id])
            return r
        }
    }

    func get(_ id: String) throws -> ChatRecord? {
        try db.read { try $0.queryOne("SELECT * FROM chats WHERE id = ?", [id]).map(ChatStore.record) }
    }

    func delete(_ id: String) throws -> Bool {
        try db.write { try $0.execute("DELETE FROM chats WHERE id = ?", [id]) > 0 }
    }

    func messages(_ chatID: String) throws -> [ChatMessage] {
        try db.read { try $0.query("SELECT * FROM chat_messages WHERE chat_id = ? ORDER BY seq", [chatID]).map(ChatStore.message) }
    }

    func rawMessages(_ chatID: String) throws -> [JSONValue] {
        try db.read { try $0.query("SELECT * FROM chat_messages WHERE chat_id = ? ORDER BY seq", [chatID]).map { r in
            var o: [String: JSONValue] = ["id": .string(try r.text("id")), "role": .string(try r.text("role")), "created": .string(try r.text("created"))]
            if let c = try r.optionalText("content") { o["content"] = .string(c) }
            if let t = try r.optionalText("tool_calls"), let calls = JSONValue.parse(t) { o["toolCalls"] = calls }
            if let id = try r.optionalText("tool_call_id") { o["toolCallId"] = .string(id) }
            if let d = try r.optionalText("detail"), let detail = JSONValue.parse(d) { o["detail"] = detail }
            return .object(o)
        } }
    }

    /// Appends messages in one transaction; `details` (by tool call id) go with the tool results.
    func append(_ chatID: String, _ messages: [ChatMessage], details: [String: JSONValue] = [:]) throws {
        guard !messages.isEmpty else { return }
        let now = Clock.iso8601Now()
        try db.write { conn in
            var seq = try conn.queryOne("SELECT COALESCE(MAX(seq), 0) AS s FROM chat_messages WHERE chat_id = ?", [chatID])?.int("s") ?? 0
            for m in messages {
                seq += 1
                let calls: String? = m.toolCalls.isEmpty ? nil : JSONValue.array(m.toolCalls.map {
                    ["id": .string($0.id), "name": .string($0.name), "arguments": .string($0.arguments)]
                }).text
                try conn.execute("""
                    INSERT INTO chat_messages(id, chat_id, seq, role, content, tool_calls, tool_call_id, created, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [UUID().uuidString.lowercased(), chatID, seq, m.role.rawValue, m.content, calls, m.toolCallID, now,
                          m.toolCallID.flatMap { details[$0]?.text }])
            }
            try conn.execute("UPDATE chats SET updated = ? WHERE id = ?", [now, chatID])
        }
    }

    /// Decodes a `chats` row; a missing column is an error, not a default.
    static func record(_ r: Row) throws -> ChatRecord {
        ChatRecord(id: try r.text("id"), title: try r.text("title"), agent: try r.text("agent"),
                   model: try r.optionalText("model"), created: try r.text("created"), updated: try r.text("updated"))
    }

    /// Decodes a `chat_messages` row; a missing column, an unknown role or tool calls `append` did not write are errors.
    static func message(_ r: Row) throws -> ChatMessage {
        var calls: [ToolCall] = []
        if let text = try r.optionalText("tool_calls") {
            guard let items = JSONValue.parse(text)?.array else {
                throw StoreError.column(name: "tool_calls", message: "holds '\(text.prefix(80))', not a JSON list")
            }
            calls = try items.map { item in
                guard let id = item["id"]?.string, let name = item["name"]?.string, let arguments = item["arguments"]?.string else {
                    throw StoreError.column(name: "tool_calls", message: "holds a call without a string id, name and arguments: \(item.text.prefix(80))")
                }
                return ToolCall(id: id, name: name, arguments: arguments)
            }
        }
        return ChatMessage(role: try r.decode("role"), content: try r.optionalText("content"),
                           toolCalls: calls, toolCallID: try r.optionalText("tool_call_id"))
    }
}
