import Core
import HTTPServer

extension PiecesAPI {
    /// Identifier streams: a snapshot of every id, then each change as it happens (`deleted` on removal).
    func installIdentifierStreams(_ r: inout Router) {
        identifierStream(&r, "/assets/stream/identifiers", kind: .asset, field: "asset") { [store] in try store.assetIDs() }
        identifierStream(&r, "/conversations/stream/identifiers", kind: .conversation, field: "conversation") { [store] in try store.conversationIDs() }
        identifierStream(&r, "/anchors/stream/identifiers", kind: .anchor, field: "anchor") { [store] in try store.anchorIDs() }
        identifierStream(&r, "/applications/stream/identifiers", kind: .application, field: "application") { [store] in try store.applicationIDs() }
        // Workstream ranges come from Pieces' long-term memory, which OpenPieces does not record: always empty.
        identifierStream(&r, "/ranges/stream/identifiers", kind: nil, field: "range") { [] }
    }

    /// One identifier stream. `kind` nil: only the snapshot, then the socket stays open until the client leaves.
    func identifierStream(_ r: inout Router, _ path: String, kind: Change.Kind?, field: String,
                          ids: @escaping @Sendable () throws -> [String]) {
        r.webSocket(path) { [self] ws in
            // Subscribe before the snapshot, so nothing falls between the two.
            let changes = kind == nil ? nil : store.feed.subscribe()
            guard let snapshot = try? await store.reading(ids) else {
                await ws.close(code: 1011, reason: "storage error")
                return
            }
            try? await ws.send(PiecesJSON.iterable(snapshot.map { [field: ["id": .string($0)]] }).text)
            await withTaskGroup(of: Void.self) { group in
                if let kind, let changes {
                    group.addTask {
                        for await change in changes where change.kind == kind {
                            var item: [String: JSONValue] = [field: ["id": .string(change.id)]]
                            if change.deleted { item["deleted"] = true }
                            if (try? await ws.send(PiecesJSON.iterable([.object(item)]).text)) == nil { return }
                        }
                    }
                }
                group.addTask {
                    while await ws.receive() != nil {}  // ends when the client goes away
                }
                await group.next()
                // Either side ended. If it was the feed (this client fell too far behind), closing makes it
                // reconnect and start again from a fresh snapshot; if it was the client, this is a no-op.
                await ws.close(code: 1000, reason: "resynchronize")
                group.cancelAll()
            }
        }
    }
}
