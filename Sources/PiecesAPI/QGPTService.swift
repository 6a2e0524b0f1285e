import Core
import LLM

/// QGPT: relevance over the user's snippets, grounded answers from the selected model, reprompting.
final class QGPTService: Sendable {
    let store: PiecesStore
    let models: ModelRegistry
    let calls: ModelCallSink
    let anchorFiles: AnchorFilePolicy
    /// Grounding sent to a model is bounded: a question never carries more than this many characters of snippets.
    static let maxContextChars = 24_000

    init(store: PiecesStore, models: ModelRegistry, calls: ModelCallSink, anchorFiles: AnchorFilePolicy) {
        self.store = store
        self.anchorFiles = anchorFiles
        self.models = models
        self.calls = calls
    }

    /// Scores the given seeds against the query, or, with none given, searches every saved asset. Reads SQLite.
    func relevance(query: String, seeds: [JSONValue], assetIDs: [String], limit: Int = 5) throws -> JSONValue {
        let tokens = Set(SearchQuery.tokens(query))
        if !seeds.isEmpty {
            let scored = seeds.map { seed -> (JSONValue, Double) in
                let raw = QGPTService.seedText(seed) ?? ""
                let words = Set(SearchQuery.tokens(raw))
                let overlap = tokens.isEmpty ? 0 : Double(tokens.intersection(words).count) / Double(tokens.count)
                return (seed, overlap)
            }.sorted { $0.1 > $1.1 }
            return ["relevant": PiecesJSON.iterable(scored.prefix(limit).map { ["seed": $0.0, "score": .number($0.1)] })]
        }
        var hits = try store.search(query, limit: assetIDs.isEmpty ? limit : 500)
        if !assetIDs.isEmpty { hits = Array(hits.filter { assetIDs.contains($0.assetID) }.prefix(limit)) }
        return ["relevant": PiecesJSON.iterable(hits.map { ["asset": ["id": .string($0.assetID)], "id": .string($0.assetID), "score": .number($0.score)] })]
    }

    /// The snippets a `relevant` object points at: saved assets by id, or seeds carrying their own text.
    /// `leading`: material the client named explicitly, first in line for the context budget. Reads SQLite.
    func snippets(_ relevant: JSONValue?, fallbackQuery: String?, leading: [Snippet] = []) throws -> [Snippet] {
        var out: [Snippet] = leading
        var assetIDs: [String] = []
        for item in relevant?["iterable"]?.array ?? [] {
            if let id = item["asset"]?["id"]?.string ?? item["id"]?.string {
                assetIDs.append(id)
            } else if let seed = item["seed"], let raw = QGPTService.seedText(seed) {
                let lang = seed["asset"]?["format"]?["classification"]?["specific"]?.string ?? Classifier.detect(raw)
                out.append(Snippet(title: seed["asset"]?["metadata"]?["name"]?.string ?? "snippet", language: lang, text: raw))
            }
        }
        if assetIDs.isEmpty, out.isEmpty, let q = fallbackQuery {
            assetIDs = try store.search(q, limit: 3).map(\.assetID)
        }
        for a in try store.assets(ids: assetIDs) {
            guard let f = a.formats.first else { continue }
            out.append(Snippet(title: a.name, language: f.specific, text: f.text))
        }
        var budget = QGPTService.maxContextChars
        var seen = Set<String>()
        out = out.filter { seen.insert($0.title + "\u{0}" + $0.text).inserted }
        return out.compactMap { s in
            guard budget > 0 else { return nil }
            var s = s
            if s.text.count > budget { s.text = String(s.text.prefix(budget)) }
            budget -= s.text.count
            return s
        }
    }

    func chat(query: String, snippets: [Snippet], history: [MessageRecord], notes: [String] = []) -> [ChatMessage] {
        var system = "You are Pieces Copilot, running on OpenPieces. Answer the developer's question clearly and concisely."
        if !snippets.isEmpty {
            system += " Ground your answer in these saved snippets when they are relevant:\n" + GroundingContext.render(snippets)
        }
        if !notes.isEmpty {
            system += "\nThe user attached material that could not be used (they have been told):\n" + notes.joined(separator: "\n")
        }
        var messages: [ChatMessage] = [.system(system)]
        for m in history.suffix(20) {
            messages.append(m.role == "ASSISTANT" ? .assistant(m.text) : .user(m.text))
        }
        messages.append(.user(query))
        return messages
    }

    /// `entry`: the model the client named, resolved (`ModelRegistry.resolve` reads SQLite).
    func reprompt(query: String, conversation: [JSONValue], entry: ModelRegistry.Entry) async throws -> String {
        let history = conversation.compactMap { m -> (String, String)? in
            guard let text = m["text"]?.string else { return nil }
            return (m["role"]?.string ?? "USER", text)
        }
        if entry.provider.isOffline {
            // Deterministic: tie a follow-up that leans on earlier turns to the last user question.
            guard let last = history.last(where: { $0.0 == "USER" })?.1 else { return query }
            let words = Set(SearchQuery.tokens(query))
            let leaning = words.isEmpty || !words.isDisjoint(with: ["it", "that", "this", "they", "them", "those", "these", "same"]) || words.count <= 3
            return leaning ? "\(query) (about: \(last))" : query
        }
        var messages: [ChatMessage] = [.system("Rewrite the user's follow-up as one standalone question, using the conversation for context. Reply with the question only.")]
        for (role, text) in history.suffix(20) { messages.append(role == "ASSISTANT" ? .assistant(text) : .user(text)) }
        messages.append(.user(query))
        let started = Date()
        let result = try await entry.provider.complete(ChatRequest(model: entry.modelName, messages: messages, temperature: 0))
        await calls.report(entry, result, started: started)
        let rewritten = result.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return rewritten.isEmpty ? query : rewritten
    }

    static func seedText(_ seed: JSONValue) -> String? {
        seed["asset"]?["format"]?["fragment"]?["string"]?["raw"]?.string
    }
}

import Foundation
