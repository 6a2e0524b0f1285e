import Core
import Foundation
import LLM

/// What a question is explicitly grounded on: the assets, anchors (files), earlier messages and raw seeds named in
/// the stream input, and the assets, anchors and messages linked to its conversation (`pieces ask -m/-f`).
struct QGPTMaterial: Sendable {
    var snippets: [Snippet] = []
    /// Said to the user and the model: anchors that could not be read, and why.
    var notes: [String] = []

    /// A file is read into the context only when it is a regular file of at most this many bytes; the files of
    /// one question together are read up to this many too.
    static let maxFileBytes = 256 * 1024
    /// At most this many items of each kind are taken from one input.
    static let maxItems = 32

    var isEmpty: Bool { snippets.isEmpty && notes.isEmpty }
}

extension QGPTService {
    /// The stored part (the linked conversation, assets, anchors, messages) is read in one block on a reader thread;
    /// the anchors' files are read by `AnchorFileReader` on the blocking pool.
    func material(_ input: JSONValue?, conversationID: String?) async throws -> QGPTMaterial {
        var out = QGPTMaterial()
        let inputAssetIDs = (input?["assets"]?["iterable"]?.array ?? []).prefix(QGPTMaterial.maxItems).compactMap { $0["id"]?.string }
        let anchorItems = Array((input?["anchors"]?["iterable"]?.array ?? []).prefix(QGPTMaterial.maxItems))
        var rawMessages: [String] = []
        var messageIDs: [String] = []
        for item in (input?["messages"]?["iterable"]?.array ?? []).prefix(QGPTMaterial.maxItems) {
            if let raw = item["fragment"]?["string"]?["raw"]?.string {
                rawMessages.append(raw)
            } else if let id = item["id"]?.string {
                messageIDs.append(id)
            }
        }
        let requestedMessages = messageIDs
        let (assets, paths, messages) = try await store.reading { [store] () throws -> ([AssetRecord], [String], [String]) in
            let linked = try conversationID.flatMap { try store.conversation($0) }
            let assetIDs = inputAssetIDs + (linked?.assetIDs ?? []).prefix(QGPTMaterial.maxItems)
            let assets = try store.assets(ids: QGPTService.unique(assetIDs))
            // Anchors by id when we know them, else by the path the client sent inside the Anchor.
            var paths: [String] = []
            for item in anchorItems {
                if let id = item["id"]?.string, let a = try store.anchor(id) {
                    paths.append(a.fullpath)
                } else {
                    paths += (item["points"]?["iterable"]?.array ?? []).compactMap { $0["reference"]?["fullpath"]?.string ?? $0["fullpath"]?.string }
                }
            }
            paths += try store.anchors(ids: Array((linked?.anchorIDs ?? []).prefix(QGPTMaterial.maxItems))).map(\.fullpath)
            var messages: [String] = []
            for id in QGPTService.unique(requestedMessages + (linked?.groundingMessageIDs ?? [])).prefix(QGPTMaterial.maxItems) {
                if let m = try store.message(id) { messages.append(m.text) }
            }
            return (assets, paths, messages)
        }
        for a in assets {
            guard let f = a.formats.first else { continue }
            out.snippets.append(Snippet(title: a.name, language: f.specific, text: f.text))
        }
        let reader = AnchorFileReader(policy: anchorFiles, maxFileBytes: QGPTMaterial.maxFileBytes, maxTotalBytes: QGPTMaterial.maxFileBytes)
        for (path, result) in await reader.read(Array(Self.unique(paths).prefix(QGPTMaterial.maxItems))) {
            switch result {
            case .success(let text):
                let name = (path as NSString).lastPathComponent
                out.snippets.append(Snippet(title: path, language: Classifier.language(fileName: name) ?? Classifier.detect(text), text: text))
            case .failure(let reason):
                out.notes.append("I could not read \(path): \(reason.message).")
            }
        }
        for text in rawMessages + messages {
            out.snippets.append(Snippet(title: "earlier message", language: "text", text: text))
        }
        for seed in (input?["seed"]?["iterable"]?.array ?? input?["seeds"]?["iterable"]?.array ?? []).prefix(QGPTMaterial.maxItems) {
            if let raw = QGPTService.seedText(seed) {
                out.snippets.append(Snippet(title: seed["asset"]?["metadata"]?["name"]?.string ?? "snippet",
                                            language: seed["asset"]?["format"]?["classification"]?["specific"]?.string ?? Classifier.detect(raw), text: raw))
            }
        }
        return out
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}

extension Classifier {
    /// The language a file name's extension names, if it has one.
    static func language(fileName: String) -> String? {
        guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex else { return nil }
        let ext = String(fileName[fileName.index(after: dot)...]).lowercased()
        return ext.isEmpty || ext.count > 16 ? nil : ext
    }
}
