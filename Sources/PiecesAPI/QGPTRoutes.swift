import Foundation
import Core
import HTTPServer
import LLM
import Synchronization

extension PiecesAPI {
    func installQGPT(_ r: inout Router) {
        r.post("/qgpt/relevance") { [self] req in
            let body = try RequestBody.json(req)
            let query = try RequestBody.string(body["query"], "query")
            let seeds = body["seeds"]?["iterable"]?.array ?? [], assetIDs = (body["assets"]?["iterable"]?.array ?? []).compactMap { $0["id"]?.string }
            var out = try await store.reading { [qgpt] in try qgpt.relevance(query: query, seeds: seeds, assetIDs: assetIDs) }
            if body["options"]?["question"]?.bool == true {
                let (result, entry) = try await answer(query: query, relevant: out["relevant"], model: body["model"]?.string, history: [])
                if case .object(var o) = out {
                    o["answer"] = ["answers": PiecesJSON.iterable([["text": .string(result.text), "score": 1]]),
                                   "model": PiecesAPI.answeredBy(entry, result)]
                    out = .object(o)
                }
            }
            return .jsonValue(out)
        }
        r.post("/qgpt/question") { [self] req in
            let body = try RequestBody.json(req)
            let query = try RequestBody.string(body["query"], "query")
            let (result, entry) = try await answer(query: query, relevant: body["relevant"], model: body["model"]?.string, history: [])
            return .jsonValue(["answers": PiecesJSON.iterable([["text": .string(result.text), "score": 1]]),
                               "model": PiecesAPI.answeredBy(entry, result)])
        }
        r.post("/qgpt/reprompt") { [self] req in
            let body = try RequestBody.json(req)
            let query = try RequestBody.string(body["query"], "query")
            let model = body["model"]?.string
            let entry = try await store.reading { [models] in models.resolve(model) }
            let rewritten = try await qgpt.reprompt(query: query, conversation: body["conversation"]?["iterable"]?.array ?? [], entry: entry)
            return .jsonValue(["query": .string(rewritten)])
        }
        r.webSocket("/qgpt/stream") { [self] ws in await QGPTStream(api: self, socket: ws).run() }
    }

    /// One grounded answer, collected. Model failures become 502/503 with the provider's advice.
    func answer(query: String, relevant: JSONValue?, model: String?, history: [MessageRecord]) async throws -> (ChatResult, ModelRegistry.Entry) {
        let (entry, snippets) = try await store.reading { [self] in (models.resolve(model), try qgpt.snippets(relevant, fallbackQuery: query)) }
        let started = Date()
        do {
            let result = try await entry.provider.complete(ChatRequest(model: entry.modelName, messages: qgpt.chat(query: query, snippets: snippets, history: history)))
            await calls.report(entry, result, started: started)
            return (result, entry)
        } catch let e as LLMError {
            throw PiecesAPI.httpError(e)
        }
    }

    /// Which model answered, beside the answer: an alias a client picked names the model that really ran.
    static func answeredBy(_ entry: ModelRegistry.Entry, _ result: ChatResult?) -> JSONValue {
        let actual = result.map(\.model).flatMap { $0.isEmpty ? nil : $0 } ?? entry.modelName
        return ["id": .string(entry.id), "name": .string(entry.name), "actual": .string(actual), "provider": .string(entry.provider.providerName)]
    }

    static func httpError(_ e: LLMError) -> HTTPError {
        switch e {
        case .rateLimited: HTTPError(429, code: "llm_rate_limited", message: e.description)
        case .unauthorized: HTTPError(502, code: "llm_unauthorized", message: e.description)
        case .unreachable, .timeout: HTTPError(503, code: "llm_unavailable", message: e.description)
        default: HTTPError(502, code: "llm_failed", message: e.description)
        }
    }
}

/// One `/qgpt/stream` connection: questions answered token by token, tied to a conversation, stoppable.
/// Statuses: INITIALIZED (for `question` inputs) → IN-PROGRESS per token → COMPLETED, or FAILED / STOPPED.
/// For `relevance` inputs with `options.question` (how the official SDK asks), the stream starts at IN-PROGRESS,
/// since the SDK's reader stops at the first status other than IN-PROGRESS. SQLite is read and written between the
/// awaits in `store.reading`/`store.writing`, off the cooperative pool.
final class QGPTStream: Sendable {
    let api: PiecesAPI
    let socket: WebSocket
    private let running = Locked<[String: Task<Void, Never>]>([:])
    /// Questions answered at once on one connection: each holds a model call and its material.
    static let maxInFlight = 4

    init(api: PiecesAPI, socket: WebSocket) {
        self.api = api
        self.socket = socket
    }

    func run() async {
        while let message = await socket.receive() {
            guard case .text(let text) = message, let input = JSONValue.parse(text) else {
                await send(["conversation": "", "status": "FAILED", "statusCode": 400,
                            "errorMessage": "Send QGPTStreamInput as JSON text frames."])
                continue
            }
            if input["stop"]?.bool == true {
                stop(input["request"]?.string)
                continue
            }
            let request = input["request"]?.string ?? IDs.make()
            // Started under the lock, so a question that ends at once still finds its entry to remove.
            let started = running.withLock { r -> Bool in
                guard r.count < QGPTStream.maxInFlight, r[request] == nil else { return false }
                r[request] = Task { await self.handle(input, request: request) }
                return true
            }
            if !started {
                await send(["request": .string(request), "conversation": JSONValue(input["conversation"]?.string ?? ""), "status": "FAILED",
                            "statusCode": 429, "errorMessage": .string("At most \(QGPTStream.maxInFlight) questions run at once on one stream, each with its own request id: wait for one to complete, or stop one with {\"stop\": true, \"request\": id}.")])
            }
        }
        stop(nil)  // the client went away: stop generating for it
    }

    private func stop(_ request: String?) {
        let tasks = running.withLock { r -> [Task<Void, Never>] in
            if let request { return r[request].map { [$0] } ?? [] }
            return Array(r.values)
        }
        for t in tasks { t.cancel() }
    }

    private func handle(_ input: JSONValue, request: String) async {
        defer { _ = running.withLock { $0.removeValue(forKey: request) } }
        let question = input["question"]
        let relevanceInput = input["relevance"]
        guard let query = question?["query"]?.string ?? relevanceInput?["query"]?.string, !query.isEmpty else {
            await send(["request": .string(request), "conversation": JSONValue(input["conversation"]?.string ?? ""), "status": "FAILED",
                        "statusCode": 400, "errorMessage": "Field 'question.query' (or 'relevance.query') is required."])
            return
        }
        var conversationID = input["conversation"]?.string ?? ""
        let store = api.store
        do {
            if conversationID.isEmpty {
                let name = PiecesStore.defaultName(query, "text")
                conversationID = try await store.writing { try store.createConversation(name: name).id }
            } else if try await store.reading({ [conversationID] in try store.conversation(conversationID) }) == nil {
                await send(["request": .string(request), "conversation": .string(conversationID), "status": "FAILED", "statusCode": 404,
                            "errorMessage": .string("No conversation with id '\(conversationID)'. Omit 'conversation' to start a new one.")])
                return
            }
            let base: [String: JSONValue] = ["request": .string(request), "conversation": .string(conversationID)]
            var relevant = question?["relevant"]
            if question == nil, let rel = relevanceInput {
                let seeds = rel["seeds"]?["iterable"]?.array ?? [], assetIDs = (rel["assets"]?["iterable"]?.array ?? []).compactMap { $0["id"]?.string }
                let out = try await store.reading { [api] in try api.qgpt.relevance(query: query, seeds: seeds, assetIDs: assetIDs) }
                relevant = out["relevant"]
                if rel["options"]?["question"]?.bool != true {
                    await send(.object(base.merging(["status": "COMPLETED", "relevance": out]) { _, b in b }))
                    return
                }
                await send(.object(base.merging(["status": "IN-PROGRESS", "relevance": out]) { _, b in b }))
            } else {
                await send(.object(base.merging(["status": "INITIALIZED"]) { _, b in b }))
            }
            var finished: ChatResult?
            let started = Date()
            let model = question?["model"]?.string ?? relevanceInput?["model"]?.string
            let (history, entry) = try await store.reading { [api, conversationID] () throws -> ([MessageRecord], ModelRegistry.Entry) in (try store.messages(conversationID), api.models.resolve(model)) }
            try await store.writing { [conversationID] in try store.appendMessage(conversationID, role: "USER", text: query, modelID: entry.id) }
            let material = try await api.qgpt.material(relevanceInput ?? question, conversationID: conversationID)
            let snippets = try await store.reading { [api, relevant] in try api.qgpt.snippets(relevant, fallbackQuery: query, leading: material.snippets) }
            let chat = ChatRequest(model: entry.modelName, messages: api.qgpt.chat(query: query, snippets: snippets, history: history, notes: material.notes))
            var full = ""
            if !material.notes.isEmpty {
                // Say plainly, in the answer itself, what could not be read.
                let note = material.notes.joined(separator: "\n") + "\n\n"
                full += note
                await send(.object(base.merging(["status": "IN-PROGRESS",
                                                 "question": ["answers": PiecesJSON.iterable([["text": .string(note), "score": 1]])]]) { _, b in b }))
            }
            for try await event in entry.provider.stream(chat) {
                try Task.checkCancellation()
                switch event {
                case .text(let piece):
                    full += piece
                    await send(.object(base.merging(["status": "IN-PROGRESS",
                                                     "question": ["answers": PiecesJSON.iterable([["text": .string(piece), "score": 1]])]]) { _, b in b }))
                case .done(let result):
                    finished = result
                }
            }
            await api.calls.report(entry, finished, started: started)
            try Task.checkCancellation()
            let answeredBy = PiecesAPI.answeredBy(entry, finished)
            try await store.writing { [conversationID, full] in
                try store.appendMessage(conversationID, role: "ASSISTANT", text: full, modelID: entry.id, modelName: answeredBy["actual"]?.string)
            }
            await send(.object(base.merging(["status": "COMPLETED", "model": answeredBy]) { _, b in b }))
        } catch is CancellationError {
            await send(["request": .string(request), "conversation": .string(conversationID), "status": "STOPPED"])
        } catch {
            let message = (error as? LLMError)?.description ?? String(describing: error)
            api.logger.warn("qgpt.stream_failed", ["request": request, "error": message])
            await send(["request": .string(request), "conversation": .string(conversationID), "status": "FAILED",
                        "statusCode": 500, "errorMessage": .string(message)])
        }
    }

    private func send(_ v: JSONValue) async {
        try? await socket.send(v.text)
    }
}
