import Brain
import Core
import HTTPServer

/// `/api/v1/brain`: the agents' memory, readable and editable by the user.
public enum BrainRoutes {
    public static func install(_ r: inout Router, brain: Brain) {
        // Every handler awaits its SQLite work on the database's threads: readers for reads, the writer for changes.
        let db = brain.db
        r.get("/api/v1/brain", BrainChatDocs.listBrain) { req in
            let q = req.query
            let kind = q["kind"].flatMap { $0.isEmpty ? nil : $0 }
            if let kind, !Brain.kinds.contains(kind) {
                throw HTTPError(400, code: "invalid_field", message: "kind must be one of \(Brain.kinds.sorted().joined(separator: ", ")).")
            }
            let tags = (q["tags"] ?? q["tag"] ?? "").split(separator: ",").map(String.init)
            let limit = min(500, max(1, Int(q["limit"] ?? "50") ?? 50))
            let query = q["query"], offset = max(0, Int(q["offset"] ?? "0") ?? 0)
            let entries = try await db.asyncReading {
                if let query, !query.isEmpty {
                    try brain.search(query, kind: kind, tags: tags, limit: limit)
                } else {
                    try brain.list(kind: kind, tags: tags, limit: limit, offset: offset)
                }
            }
            return .jsonValue(["entries": .array(entries.map(\.json))])
        }
        r.post("/api/v1/brain", BrainChatDocs.writeBrain) { req in
            let body = try PlatformRoutes.json(req)
            guard let kind = body["kind"]?.string, let text = body["text"]?.string else {
                throw HTTPError(400, code: "missing_field", message: "Fields 'kind' and 'text' are required.")
            }
            let result = try await db.asyncWriting {
                try brain.write(kind: kind, text: text, tags: (body["tags"]?.array ?? []).compactMap(\.string),
                                source: body["source"]?.string, confidence: body["confidence"]?.double)
            }
            var out = result.entry.json
            if case .object(var o) = out { o["merged"] = .bool(result.merged); out = .object(o) }
            return .jsonValue(out, status: result.merged ? 200 : 201)
        }
        r.get("/api/v1/brain/:id", BrainChatDocs.getBrain) { req in
            let id = try req.require("id")
            guard let e = try await db.asyncReading({ try brain.get(id) }) else { throw HTTPError.notFound("No brain entry '\(id)'.") }
            return .jsonValue(e.json)
        }
        r.patch("/api/v1/brain/:id", BrainChatDocs.updateBrain) { req in
            let body = try PlatformRoutes.json(req), id = try req.require("id")
            let updated = try await db.asyncWriting {
                try brain.update(id, text: body["text"]?.string, kind: body["kind"]?.string,
                                 tags: body["tags"]?.array?.compactMap(\.string), confidence: body["confidence"]?.double)
            }
            guard let e = updated else {
                throw HTTPError.notFound("No brain entry '\(id)'.")
            }
            return .jsonValue(e.json)
        }
        r.delete("/api/v1/brain/:id", BrainChatDocs.deleteBrain) { req in
            let id = try req.require("id")
            guard try await db.asyncWriting({ try brain.delete(id) }) else { throw HTTPError.notFound("No brain entry '\(id)'.") }
            return Response(status: 204)
        }
    }
}
