import Core
import HTTPServer

/// The text and language of a seeded or edited format, in every shape clients send: a fragment (editors, the SDK)
/// or a file (Raycast), as a string or as bytes; the language from `metadata.ext` or `classification.specific`.
struct SeedFormat {
    var text: String
    var language: String?

    /// Nil when the format carries no text at all.
    static func parse(_ format: JSONValue?) throws -> SeedFormat? {
        guard let format else { return nil }
        var text: String?
        for part in [format["fragment"], format["file"]] {
            guard let part, text == nil else { continue }
            if let raw = part["string"]?["raw"]?.string {
                text = raw
            } else if let bytes = part["bytes"]?["raw"]?.array {
                guard bytes.count <= PiecesAPI.maxFragmentBytes else { throw tooLarge }
                text = String(decoding: bytes.compactMap { $0.int.map { UInt8(clamping: $0) } }, as: UTF8.self)
            }
        }
        guard let text else { return nil }
        guard text.utf8.count <= PiecesAPI.maxFragmentBytes else { throw tooLarge }
        let ext = format["fragment"]?["metadata"]?["ext"]?.string ?? format["file"]?["metadata"]?["ext"]?.string
            ?? format["classification"]?["specific"]?.string
        return SeedFormat(text: text, language: try ext.map(language))
    }

    /// A language is a file extension (`ClassificationSpecificEnum`): short, no spaces or slashes.
    static func language(_ ext: String) throws -> String {
        let ok = !ext.isEmpty && ext.count <= 64 && ext.allSatisfy { $0.isLetter || $0.isNumber || "._-+#".contains($0) }
        guard ok else {
            throw HTTPError(400, code: "invalid_language", message: "'\(ext.prefix(64))' is not a language: send a file extension such as 'py', 'swift' or 'ts'.")
        }
        return ext
    }

    static var tooLarge: HTTPError {
        HTTPError(413, code: "fragment_too_large", message: "A snippet may hold at most \(PiecesAPI.maxFragmentBytes) bytes.")
    }
}
