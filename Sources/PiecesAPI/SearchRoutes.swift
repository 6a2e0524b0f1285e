import Core
import HTTPServer

/// Identifier snapshots and the SDK's search endpoints, all answered from the one FTS5 index over assets.
extension PiecesAPI {
    func installSearch(_ r: inout Router) {
        r.get("/assets/identifiers") { [store] _ in .jsonValue(PiecesJSON.flattened(try await store.reading { try store.assetIDs() })) }
        r.get("/conversations/identifiers") { [store] _ in .jsonValue(PiecesJSON.flattened(try await store.reading { try store.conversationIDs() })) }
        // Full-text and "neural code" search are the same ranked FTS5 query here: there is no embedding index.
        r.get("/search/full_text") { [self] req in .jsonValue(try await searchedAssets(req.query["query"])) }
        r.get("/search/neural_code") { [self] req in .jsonValue(try await searchedAssets(req.query["query"])) }
    }

    /// SearchedAssets: best first, exact matches counted apart from suggestions, each with its score and asset.
    func searchedAssets(_ query: String?) async throws -> JSONValue {
        guard let query, !query.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw HTTPError(400, code: "missing_field", message: "Parameter 'query' is required: the text to search for.")
        }
        guard query.utf8.count <= 4096 else {
            throw HTTPError(413, code: "query_too_large", message: "A search query may hold at most 4096 bytes.")
        }
        let (hits, found, apps) = try await store.reading { [self] () throws -> ([SearchHit], [AssetRecord], [String: ApplicationRecord]) in
            let hits = try store.search(query)
            return (hits, try store.assets(ids: hits.map(\.assetID)), try self.apps())
        }
        let assets = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let items: [JSONValue] = hits.map { h in
            var o: [String: JSONValue] = ["identifier": .string(h.assetID), "exact": .bool(h.exact), "match": .string(h.match), "score": .number(h.score)]
            if let a = assets[h.assetID] { o["asset"] = PiecesJSON.asset(a, apps: apps) }
            return .object(o)
        }
        let exact = hits.filter(\.exact).count
        return ["iterable": .array(items), "exact": JSONValue(exact), "suggested": JSONValue(hits.count - exact)]
    }
}
