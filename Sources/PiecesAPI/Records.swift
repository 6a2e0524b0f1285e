struct ApplicationRecord: Sendable {
    var id, name, version, platform, privacy: String
    var onboarded: Bool
    var created: String
}

struct FormatRecord: Sendable {
    var id, assetID, applicationID, generic, specific, text, created, updated: String
}

struct AssetRecord: Sendable {
    var id, name, creator, mechanism: String
    var favorited: Bool
    var created, updated: String
    var formats: [FormatRecord]
}

struct ConversationRecord: Sendable {
    var id: String
    var name: String?
    var type: String
    var modelID: String?
    var created, updated: String
    var messageIDs: [String]
    /// What the conversation is grounded on (`/conversation/{c}/assets|anchors/associate/{id}`).
    var assetIDs: [String] = []
    var anchorIDs: [String] = []
    /// Earlier messages (of any conversation) it is grounded on (`/conversation/{c}/grounding/messages/associate/{m}`).
    var groundingMessageIDs: [String] = []
}

/// A file or folder path a client points the copilot at.
struct AnchorRecord: Sendable {
    var id, type, fullpath: String
    var name: String?
    var created, updated: String
    var conversationIDs: [String] = []
}

struct MessageRecord: Sendable {
    var id, conversationID: String
    var seq: Int
    var role, text: String
    var modelID: String?
    /// The model that actually wrote an assistant message (an alias's provider model).
    var modelName: String? = nil
    var created, updated: String
}

struct SearchHit: Sendable {
    var assetID: String
    var exact: Bool
    var match: String
    var score: Double
}
