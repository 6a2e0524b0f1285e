import Store

/// Anchors (file and folder paths) and what a conversation is grounded on: its assets, anchors and earlier messages.
enum PiecesLinksSchema {
    static let migrations = [migration, groundingMessages]

    static let migration = Migration(24, "pieces_links", """
        CREATE TABLE anchors (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            fullpath TEXT NOT NULL,
            name TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE TABLE conversation_assets (
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
            created TEXT NOT NULL,
            PRIMARY KEY (conversation_id, asset_id)
        );
        CREATE TABLE conversation_anchors (
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            anchor_id TEXT NOT NULL REFERENCES anchors(id) ON DELETE CASCADE,
            created TEXT NOT NULL,
            PRIMARY KEY (conversation_id, anchor_id)
        );
        """)
}

extension PiecesLinksSchema {
    static let groundingMessages = Migration(25, "pieces_grounding_messages", """
        CREATE TABLE conversation_grounding_messages (
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            message_id TEXT NOT NULL REFERENCES conversation_messages(id) ON DELETE CASCADE,
            created TEXT NOT NULL,
            PRIMARY KEY (conversation_id, message_id)
        );
        """)
}
