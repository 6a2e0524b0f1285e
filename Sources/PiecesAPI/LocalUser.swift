import Core

/// The one local user: OpenPieces has no Pieces cloud account, so clients are always signed in as this profile.
enum LocalUser {
    static let profile: [String: JSONValue] = [
        "id": "local-user", "name": "Local user", "email": "user@localhost", "username": "local",
        "aesthetics": ["font": ["size": 14], "theme": ["dark": true]], "allocation": .null,
    ]
}
