import Foundation
import Intent

/// What the offline Orchestrator commissions from the code-generation agent: a whole spec, or changes to the spec
/// stored with a service. It travels inside the `build_service` request as a fenced JSON block after the user's
/// words, so a model reading the request sees the same precise spec, and the offline engine decodes it as a value
/// instead of re-reading prose.
public enum Blueprint: Codable, Sendable, Equatable {
    case service(ServiceSpec)
    case change(ChangeSpec)

    static let fence = "```openpieces-blueprint"

    /// The request with this blueprint attached.
    public func attached(to request: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return request + "\n\n" + Blueprint.fence + "\n" + json + "\n```"
    }

    /// The blueprint attached to a request, if any; a block that does not decode counts as none.
    public static func find(in text: String) -> Blueprint? {
        guard let start = text.range(of: fence + "\n", options: .backwards),
              let end = text.range(of: "\n```", range: start.upperBound..<text.endIndex) else { return nil }
        return try? JSONDecoder().decode(Blueprint.self, from: Data(text[start.upperBound..<end.lowerBound].utf8))
    }

    /// The request without its blueprint: what the user asked.
    public static func words(of text: String) -> String {
        guard let start = text.range(of: "\n\n" + fence, options: .backwards) else { return text }
        return String(text[..<start.lowerBound])
    }
}
