import Core
import Foundation
import HTTPServer
import LLM

/// Renaming, updating and deleting conversations; what they are grounded on; single messages.
extension PiecesAPI {
    static let maxNameLength = 200

    func installConversationEdits(_ r: inout Router) {
        r.post("/conversation/:conversation/rename") { [self] req in
            // Pieces OS names the conversation from its content (no body): so do we, with the selected model.
            let id = try req.require("conversation")
            let (messages, entry) = try await store.reading { [self] () throws -> ([MessageRecord], ModelRegistry.Entry) in
                guard try store.conversation(id) != nil else { throw HTTPError.notFound("No conversation with id '\(id)'. List them with GET /conversations.") }
                return (try store.messages(id), models.selected())
            }
            let name = await suggestedName(messages, entry: entry)
            guard let c = try await store.writing({ [store] in try store.renameConversation(id, name: name) }) else {
                throw HTTPError.notFound("No conversation with id '\(id)'.")
            }
            return .jsonValue(PiecesJSON.conversation(c))
        }
        r.post("/conversation/update") { [self] req in
            let body = try RequestBody.json(req)
            let id = try RequestBody.string(body["id"], "id")
            let c = try await store.writing { [store] () throws -> ConversationRecord in
                guard let c = try store.conversation(id) else { throw HTTPError.notFound("No conversation with id '\(id)'. List them with GET /conversations.") }
                guard let name = body["name"]?.string, name != c.name else { return c }
                return try store.renameConversation(id, name: try PiecesAPI.validName(name)) ?? c
            }
            return .jsonValue(PiecesJSON.conversation(c))
        }
        r.post("/conversations/:conversation/delete") { [self] req in
            let id = try req.require("conversation")
            guard try await store.writing({ [store] in try store.deleteConversation(id) }) else { throw HTTPError.notFound("No conversation with id '\(id)'.") }
            return .jsonValue(.string(id))
        }
        for target in PiecesStore.LinkTarget.allCases {
            for associate in [true, false] {
                let verb = associate ? "associate" : "disassociate"
                r.post("/conversation/:conversation/\(target.path)/\(verb)/:\(target.rawValue)") { [self] req in
                    let c = try req.require("conversation"), id = req.parameter(target.rawValue) ?? ""
                    guard try await store.writing({ [store] in try store.link(conversation: c, target, id, associate: associate) }) else {
                        throw HTTPError.notFound("No conversation '\(c)' or no \(target.rawValue) '\(id)'. Create the \(target.rawValue) first.")
                    }
                    return Response(status: 204)
                }
            }
        }
        r.get("/message/:message") { [self] req in
            let id = try req.require("message")
            guard let m = try await store.reading({ [store] in try store.message(id) }) else { throw HTTPError.notFound("No message with id '\(id)'. A conversation lists its messages in GET /conversation/{id}/messages.") }
            return .jsonValue(PiecesJSON.message(m))
        }
        r.post("/messages/create") { [self] req in
            let body = try RequestBody.json(req)
            let conversation = try RequestBody.string(body["conversation"]?["id"], "conversation.id")
            let role = body["role"]?.string ?? "USER"
            guard ["USER", "ASSISTANT", "SYSTEM"].contains(role) else {
                throw HTTPError(400, code: "invalid_role", message: "Field 'role' must be USER, ASSISTANT or SYSTEM.")
            }
            let text = try RequestBody.string(body["fragment"]?["string"]?["raw"], "fragment.string.raw")
            guard text.utf8.count <= PiecesAPI.maxFragmentBytes else { throw SeedFormat.tooLarge }
            let message = try await store.writing { [store] in
                guard try store.conversation(conversation) != nil else {
                    throw HTTPError.notFound("No conversation with id '\(conversation)'. Create one with POST /conversations/create.")
                }
                return try store.appendMessage(conversation, role: role, text: text, modelID: nil)
            }
            return .jsonValue(PiecesJSON.message(message))
        }
    }

    static func validName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= maxNameLength else {
            throw HTTPError(400, code: "invalid_name", message: "A name needs 1 to \(maxNameLength) characters.")
        }
        return trimmed
    }

    /// A short title for a conversation: the model's (`entry`, the selected one), else (offline, failure, nothing to go
    /// on) the first question.
    func suggestedName(_ messages: [MessageRecord], entry: ModelRegistry.Entry) async -> String {
        let first = messages.first { $0.role == "USER" }?.text ?? ""
        let fallback = first.isEmpty ? "New conversation" : PiecesStore.defaultName(first, "text")
        guard !first.isEmpty, !entry.provider.isOffline else { return fallback }
        let transcript = messages.prefix(6).map { "\($0.role): \($0.text.prefix(1000))" }.joined(separator: "\n")
        let request = ChatRequest(model: entry.modelName, messages: [
            .system("Give this conversation a title of at most six words. Reply with the title only."), .user(transcript),
        ], temperature: 0)
        let started = Date()
        guard let result = try? await entry.provider.complete(request) else { return fallback }
        await calls.report(entry, result, started: started)  // in the usage ledger like every other model call
        let title = result.text.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\"'")))
        return title.isEmpty ? fallback : String(title.prefix(80))
    }
}
