import Store

/// Tables behind the Pieces-compatible API.
public enum PiecesSchema {
    /// Assets by name and fragment text; a name's words count ten times a fragment's.
    public static let assetIndex = TextIndex(table: "asset_search", key: "asset_id", columns: [("name", 10.0), ("content", 1.0)])

    public static let migrations: [Migration] = [
        Migration(2, "pieces") { d in """
            CREATE TABLE applications (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                version TEXT NOT NULL,
                platform TEXT NOT NULL,
                privacy TEXT NOT NULL DEFAULT 'OPEN',
                onboarded INTEGER NOT NULL DEFAULT 1,
                created TEXT NOT NULL
            );
            CREATE TABLE app_sessions (
                id TEXT PRIMARY KEY,
                application_id TEXT,
                opened TEXT NOT NULL,
                closed TEXT
            );
            CREATE TABLE assets (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                creator TEXT NOT NULL,
                mechanism TEXT NOT NULL DEFAULT 'MANUAL',
                favorited INTEGER NOT NULL DEFAULT 0,
                created TEXT NOT NULL,
                updated TEXT NOT NULL
            );
            CREATE TABLE formats (
                id TEXT PRIMARY KEY,
                asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
                application_id TEXT NOT NULL,
                generic TEXT NOT NULL,
                specific TEXT NOT NULL,
                text TEXT NOT NULL,
                created TEXT NOT NULL,
                updated TEXT NOT NULL
            );
            CREATE INDEX formats_asset ON formats(asset_id);
            \(PiecesSchema.assetIndex.create(d))
            CREATE TABLE conversations (
                id TEXT PRIMARY KEY,
                name TEXT,
                type TEXT NOT NULL DEFAULT 'COPILOT',
                model_id TEXT,
                created TEXT NOT NULL,
                updated TEXT NOT NULL
            );
            CREATE TABLE conversation_messages (
                id TEXT PRIMARY KEY,
                conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                role TEXT NOT NULL,
                text TEXT NOT NULL,
                model_id TEXT,
                created TEXT NOT NULL,
                updated TEXT NOT NULL
            );
            CREATE INDEX conversation_messages_conv ON conversation_messages(conversation_id, seq);
            """ },
        Migration(4, "model_states") { d in """
            CREATE TABLE model_states (
                id TEXT PRIMARY KEY,
                downloaded INTEGER NOT NULL DEFAULT 0,
                status TEXT NOT NULL,
                percentage \(d.real) NOT NULL DEFAULT 0,
                error TEXT,
                updated TEXT NOT NULL
            );
            """ },
    ] + PiecesLinksSchema.migrations
}
