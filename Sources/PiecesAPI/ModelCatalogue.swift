import Core
import Crypto

/// A model real Pieces clients select by its `name` or `unique`. It is an alias: whichever is picked, the
/// request runs on the configured provider (or the offline engine when none is set), and says so.
struct CatalogueAlias: Sendable, Equatable {
    /// The name clients show and match exactly (the SDK wrapper's default is "GPT-3.5-turbo Chat Model").
    let name: String
    /// The model name clients match by `unique` (pieces-cli picks `gemini-2.0-flash-lite-001` for auto-commit).
    let unique: String
    /// The SDK's `ModelFoundationEnum` value.
    let foundation: String

    /// A stable UUID-shaped id: clients store it in their settings, so it must survive restarts and provider changes.
    var id: String {
        let h = Hex.encode(Array(Digest.sha256(Array("openpieces-alias|\(unique)".utf8)).prefix(16)))
        let c = Array(h)
        return [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }.joined(separator: "-")
    }
}

/// The catalogue, one table. Names and uniques as Pieces OS lists them: the ones the SDK wrapper (5.0.0) and
/// pieces-cli (1.20.1) ask for by name in their source, and the ones clients commonly keep in their settings.
enum ModelCatalogue {
    static let aliases: [CatalogueAlias] = [
        CatalogueAlias(name: "GPT-3.5-turbo Chat Model", unique: "gpt-3.5-turbo", foundation: "GPT_3.5"),
        CatalogueAlias(name: "GPT-4 Chat Model", unique: "gpt-4", foundation: "GPT_4"),
        CatalogueAlias(name: "GPT-4o Chat Model", unique: "gpt-4o", foundation: "GPT_4"),
        CatalogueAlias(name: "GPT-4o Mini Chat Model", unique: "gpt-4o-mini", foundation: "GPT_4"),
        CatalogueAlias(name: "GPT-4.1 Chat Model", unique: "gpt-4.1", foundation: "GPT_LATEST"),
        CatalogueAlias(name: "o4-mini Chat Model", unique: "o4-mini-2025-04-16", foundation: "GPT_LATEST"),
        CatalogueAlias(name: "Claude 3.5 Sonnet Chat Model", unique: "claude-3-5-sonnet-20240620", foundation: "CLAUDE_3.5"),
        CatalogueAlias(name: "Claude 4 Sonnet Chat Model", unique: "claude-sonnet-4-20250514", foundation: "CLAUDE_4"),
        CatalogueAlias(name: "Gemini-1.5 Pro Chat Model", unique: "gemini-1.5-pro", foundation: "GEMINI_1.5"),
        CatalogueAlias(name: "Gemini-2.0 Flash Lite Chat Model", unique: "gemini-2.0-flash-lite-001", foundation: "GEMINI_2"),
        CatalogueAlias(name: "Gemini-2.5 Flash Chat Model", unique: "gemini-2.5-flash", foundation: "GEMINI_LATEST"),
    ]
}
