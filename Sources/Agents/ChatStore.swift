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
                return ChatStore.record(row)
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
            var o: [String: JSONValue] = ["id": JSONValue(r["id"].string), "role": JSONValue(r["role"].string), "created": JSONValue(r["created"].string)]
            if let c = r["content"].string { o["content"] = .string(c) }
            if let t = r["tool_calls"].string, let calls = JSONValue.parse(t) { o["toolCalls"] = calls }
            if let id = r["tool_call_id"].string { o["toolCallId"] = .string(id) }
            if let d = r["detail"].string, let detail = JSONValue.parse(d) { o["detail"] = detail }
            return .object(o)
        } }
    }

    /// Appends messages in one transaction; `details` (by tool call id) go with the tool results.
    func append(_ chatID: String, _ messages: [ChatMessage], details: [String: JSONValue] = [:]) throws {
        guard !messages.isEmpty else { return }
        let now = Clock.iso8601Now()
        try db.write { conn in
            var seq = try conn.queryOne("SELECT COALESCE(MAX(seq), 0) AS s FROM chat_messages WHERE chat_id = ?", [chatID])?["s"].int ?? 0
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

    static func record(_ r: Row) -> ChatRecord {
        ChatRecord(id: r["id"].string ?? "", title: r["title"].string ?? "", agent: r["agent"].string ?? "orchestrator",
                   model: r["model"].string, created: r["created"].string ?? "", updated: r["updated"].string ?? "")
    }

    static func message(_ r: Row) -> ChatMessage {
        let calls = JSONValue.parse(r["tool_calls"].string ?? "[]")?.array?.map {
            ToolCall(id: $0["id"]?.string ?? "", name: $0["name"]?.string ?? "", arguments: $0["arguments"]?.string ?? "{}")
        } ?? []
        return ChatMessage(role: ChatMessage.Role(rawValue: r["role"].string ?? "user") ?? .user, content: r["content"].string,
                           toolCalls: calls, toolCallID: r["tool_call_id"].string)
    }
}
