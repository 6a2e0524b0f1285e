import Core

/// Renders records in the shapes the official SDK (`pieces-os-client`) deserializes: a superset of the seed spec.
enum PiecesJSON {
    static func application(_ a: ApplicationRecord) -> JSONValue {
        ["id": .string(a.id), "name": .string(a.name), "version": .string(a.version), "platform": .string(a.platform),
         "onboarded": .bool(a.onboarded), "privacy": .string(a.privacy)]
    }

    static func fallbackApplication(_ id: String) -> JSONValue {
        ["id": .string(id), "name": "UNKNOWN", "version": "0.0.0", "platform": "UNKNOWN", "onboarded": true, "privacy": "OPEN"]
    }

    static func classification(_ f: FormatRecord) -> JSONValue {
        ["generic": .string(f.generic), "specific": .string(f.specific)]
    }

    static func fragment(_ text: String) -> JSONValue {
        ["string": ["raw": .string(text)]]
    }

    static func flattenedAsset(_ a: AssetRecord) -> JSONValue {
        let original = a.formats.first?.id ?? ""
        return ["id": .string(a.id), "name": .string(a.name), "creator": .string(a.creator), "mechanism": .string(a.mechanism),
                "created": PiecesTime.grouped(a.created), "updated": PiecesTime.grouped(a.updated),
                "formats": ["iterable": .array(a.formats.map { ["id": .string($0.id)] })],
                "original": .string(original), "preview": ["base": .string(original)]]
    }

    /// A Format; `asset` embeds the FlattenedAsset. `flattened` renders a FlattenedFormat instead (asset as its id).
    static func format(_ f: FormatRecord, asset: AssetRecord?, apps: [String: ApplicationRecord], flattened: Bool = false) -> JSONValue {
        let size = f.text.utf8.count
        var o: [String: JSONValue] = [
            "id": .string(f.id), "creator": .string(f.applicationID),
            "created": PiecesTime.grouped(f.created), "updated": PiecesTime.grouped(f.updated),
            "classification": classification(f), "role": "BOTH",
            "application": apps[f.applicationID].map(application) ?? fallbackApplication(f.applicationID),
            "bytes": ["value": JSONValue(size), "readable": .string(ByteText.readable(size))],
            "fragment": fragment(f.text),
        ]
        if flattened {
            o["asset"] = .string(f.assetID)
        } else if let asset {
            o["asset"] = flattenedAsset(asset)
        }
        return .object(o)
    }

    static func asset(_ a: AssetRecord, apps: [String: ApplicationRecord]) -> JSONValue {
        let formats = a.formats.map { format($0, asset: a, apps: apps) }
        let original = a.formats.first.map { format($0, asset: a, apps: apps, flattened: true) }
        let originalID = a.formats.first?.id ?? ""
        return ["id": .string(a.id), "name": .string(a.name), "creator": .string(a.creator), "mechanism": .string(a.mechanism),
                "favorited": .bool(a.favorited),
                "created": PiecesTime.grouped(a.created), "updated": PiecesTime.grouped(a.updated),
                "formats": ["iterable": .array(formats)],
                "original": ["id": .string(originalID), "reference": original ?? .null],
                "preview": ["base": ["id": .string(originalID)]]]
    }

    static func conversation(_ c: ConversationRecord) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(c.id), "type": .string(c.type),
            "created": PiecesTime.grouped(c.created), "updated": PiecesTime.grouped(c.updated),
            // `indices` orders the messages for the SDK (BasicChat.messages() reads only them).
            "messages": flattened(c.messageIDs),
        ]
        if !c.assetIDs.isEmpty { o["assets"] = flattened(c.assetIDs) }
        if !c.anchorIDs.isEmpty { o["anchors"] = flattened(c.anchorIDs) }
        if !c.groundingMessageIDs.isEmpty { o["grounding"] = ["messages": flattened(c.groundingMessageIDs)] }
        if let n = c.name { o["name"] = .string(n) }
        if let m = c.modelID { o["model"] = ["id": .string(m)] }
        return .object(o)
    }

    static func message(_ m: MessageRecord) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(m.id), "role": .string(m.role), "conversation": ["id": .string(m.conversationID)],
            "created": PiecesTime.grouped(m.created), "updated": PiecesTime.grouped(m.updated),
            "fragment": fragment(m.text),
        ]
        // The model that wrote it, named as it really is (not the alias a client picked); a full Model, as the SDK requires.
        if let id = m.modelID, let name = m.modelName {
            o["model"] = ["id": .string(id), "name": .string(name), "unique": .string(name), "version": "1", "cloud": false,
                          "created": PiecesTime.grouped(m.created), "type": "BALANCED", "usage": "CODE_CONVERSATION",
                          "description": .string("The model that wrote this message.")]
        }
        return .object(o)
    }

    static func iterable(_ items: [JSONValue]) -> JSONValue { ["iterable": .array(items)] }

    /// A Flattened* list: references by id, with each id's position in `indices`.
    static func flattened(_ ids: [String]) -> JSONValue {
        var indices: [String: JSONValue] = [:]
        for (i, id) in ids.enumerated() { indices[id] = JSONValue(i) }
        return ["iterable": .array(ids.map { ["id": .string($0)] }), "indices": .object(indices)]
    }

    /// An Anchor with its one point (the path).
    static func anchor(_ a: AnchorRecord) -> JSONValue {
        let pointID = a.id + "-point"
        let point: JSONValue = ["id": .string(pointID), "fullpath": .string(a.fullpath), "anchor": ["id": .string(a.id)], "verified": true,
                                "created": PiecesTime.grouped(a.created), "updated": PiecesTime.grouped(a.updated)]
        var o: [String: JSONValue] = [
            "id": .string(a.id), "type": .string(a.type),
            "created": PiecesTime.grouped(a.created), "updated": PiecesTime.grouped(a.updated),
            "points": ["iterable": [["id": .string(pointID), "reference": point]], "indices": [pointID: 0]],
            "conversations": flattened(a.conversationIDs),
        ]
        o["name"] = .string(a.name ?? a.fullpath.split(separator: "/").last.map(String.init) ?? a.fullpath)
        return .object(o)
    }
}
