import Agents
import Core
import Foundation
import HTTPServer

/// `/api/v1/chats`: conversations with the Orchestrator; a message's turn streams live as Server-Sent Events.
public enum ChatRoutes {
    public static func install(_ r: inout Router, chats: ChatService) {
        // Every handler awaits its SQLite work on the database's threads: readers for reads, the writer for changes.
        let db = chats.db
        // No filter: the user's chats (code-generation sessions belong to their service); ?agent=orchestrator: the
        // Orchestrator's; ?agent=codegen&service=<slug>: a service's code-generation session(s), titled with its slug.
        r.get("/api/v1/chats", BrainChatDocs.listChats) { req in
            let agent = req.query["agent"], service = req.query["service"]
            let filter: ChatFilter? = switch (agent, service) {
            case (nil, nil): .userFacing
            case (let agent?, nil): .agent(agent)
            case (nil, let service?), ("codegen"?, let service?): .codegenSessions(service: service)
            default: nil  // another agent's sessions of a service: there are none
            }
            let list = try await db.asyncReading { try filter.map(chats.list) ?? [] }
            return .jsonValue(["chats": .array(list.map { json($0, running: chats.isRunning($0.id)) })])
        }
        r.post("/api/v1/chats", BrainChatDocs.createChat) { req in
            let body = req.body.isEmpty ? JSONValue.object([:]) : try PlatformRoutes.json(req)
            if let model = body["model"], model.string == nil || model.string?.isEmpty == true || (model.string?.count ?? 0) > 200 {
                throw HTTPError(400, code: "invalid_field", message: "'model' must be a model name (1–200 characters), as listed by GET /models.")
            }
            let chat = try await db.asyncWriting { try chats.create(title: body["title"]?.string, model: body["model"]?.string) }
            return .jsonValue(json(chat, running: false), status: 201)
        }
        r.get("/api/v1/chats/:id", BrainChatDocs.getChat) { req in
            let id = try req.require("id")
            let found = try await db.asyncReading { () throws -> JSONValue? in
                guard let c = try chats.get(id) else { return nil }
                var o = json(c, running: chats.isRunning(c.id))
                if case .object(var d) = o {
                    d["messages"] = .array(try chats.messages(c.id))
                    d["usage"] = try chats.usage.totals(chat: c.id).json
                    o = .object(d)
                }
                return o
            }
            guard let found else { throw HTTPError.notFound("No chat '\(id)'.") }
            return .jsonValue(found)
        }
        // Token usage and cost per model over a period (default: the last 30 days).
        r.get("/api/v1/usage", BrainChatDocs.usage) { req in
            let since = req.query["since"] ?? Clock.iso8601(Date().addingTimeInterval(-30 * 86400))
            let models = try await db.asyncReading {
                try chats.usage.byModel(since: since).map { m -> JSONValue in
                    var o = m.totals.json.object ?? [:]
                    o["model"] = .string(m.model)
                    return .object(o)
                }
            }
            return .jsonValue(["since": .string(since), "models": .array(models)])
        }
        r.delete("/api/v1/chats/:id", BrainChatDocs.deleteChat) { req in
            let id = try req.require("id")
            guard try await db.asyncWriting({ try chats.delete(id) }) else { throw HTTPError.notFound("No chat '\(id)'.") }
            return Response(status: 204)
        }
        r.get("/api/v1/chats/:id/events", BrainChatDocs.watchChat) { req in
            let id = try req.require("id")
            guard try await db.asyncReading({ try chats.get(id) }) != nil else { throw HTTPError.notFound("No chat '\(id)'.") }
            let events = chats.watch(id)
            return Response(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")]),
                            body: .stream(length: nil) { w in
                                try await w.write(": following chat \(id)\n\n")  // headers out now: the client knows it follows
                                for await e in events {
                                    let (name, data) = sse(e)
                                    try await w.writeEvent(data: data.text, event: name)
                                }
                            })
        }
        r.post("/api/v1/chats/:id/stop", BrainChatDocs.stopChat) { req in
            chats.stop(try req.require("id"))
            return .jsonValue(["stopping": true], status: 202)
        }
        r.post("/api/v1/chats/:id/messages", BrainChatDocs.sendMessage) { req in
            let body = try PlatformRoutes.json(req)
            guard let content = body["content"]?.string else {
                throw HTTPError(400, code: "missing_field", message: "Field 'content' is required: the message text.")
            }
            let id = try req.require("id")
            // On the writer's thread: the message is stored there, and the turn starts on a task of its own.
            let events = try await db.asyncWriting {
                // A code-generation session is the agent's own transcript: the Orchestrator must not continue it.
                if let c = try chats.get(id), c.agent == "codegen" {
                    throw HTTPError(409, code: "read_only",
                                    message: "This is the code-generation session of '\(c.title)': it can be read, not continued. Ask for changes in a chat; build_service resumes the session.")
                }
                return try chats.send(id, content)
            }
            return Response(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")]),
                            body: .stream(length: nil) { w in
                                for await e in events {
                                    let (name, data) = sse(e)
                                    try await w.writeEvent(data: data.text, event: name)
                                }
                            })
        }
    }

    static func json(_ c: ChatRecord, running: Bool) -> JSONValue {
        ["id": .string(c.id), "title": .string(c.title), "agent": .string(c.agent), "model": JSONValue(c.model), "created": .string(c.created),
         "updated": .string(c.updated), "running": .bool(running)]
    }

    static func sse(_ e: AgentEvent) -> (String, JSONValue) {
        switch e {
        case .text(let t): ("text", ["text": .string(t)])
        case .toolCall(let id, let name, let args): ("tool_call", ["id": .string(id), "name": .string(name), "arguments": .string(args)])
        case .toolResult(let id, let name, let output, let ok, let ms):
            ("tool_result", ["id": .string(id), "name": .string(name), "output": .string(output), "ok": .bool(ok), "ms": JSONValue(ms)])
        case .done(let t): ("done", ["text": .string(t)])
        case .failed(let m): ("error", ["message": .string(m)])
        case .progress(let m): ("progress", ["message": .string(m)])
        case .budgetExhausted(let reason, let done): ("budget", ["reason": .string(reason), "done": .array(done.map { .string($0) })])
        }
    }
}
