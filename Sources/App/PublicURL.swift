import Core

/// The public base URL, known once the listener is bound; shared by the closures that build URLs for responses.
final class PublicURL: Sendable {
    private let url = Locked("")
    var value: String { url.withLock { $0 } }
    func set(_ v: String) { url.withLock { $0 = v } }
}
