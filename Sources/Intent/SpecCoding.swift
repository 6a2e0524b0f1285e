import Foundation

// A service spec is stored beside the code it was generated from (`spec.json`), so a later change ("add a field
// priority to notes-api") applies to what was asked, not to code read back. The synthesized Codable form is the format.

extension ServiceSpec {
    /// The stored form: stable key order, so two generations of one spec are byte-identical.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Reads a stored spec; nil when the text is not one (a service written by a model has none).
    public init?(json: String) {
        guard let spec = try? JSONDecoder().decode(ServiceSpec.self, from: Data(json.utf8)) else { return nil }
        self = spec
    }
}
