import Core

/// The one local user: OpenPieces has no Pieces cloud account, so clients are always signed in as this profile.
enum LocalUser {
    /// A `UserProfile` (the SDK requires `id` and `aesthetics`).
    static let profile: JSONValue = ["id": "local-user", "name": "Local user", "email": "user@localhost", "username": "local",
                                     "aesthetics": ["font": ["size": 14], "theme": ["dark": true]], "allocation": .null]
}
