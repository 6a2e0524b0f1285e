/// A name or host as slug characters: "Example.com" → "example-com", "big orders" → "big-orders". The one way the
/// platform turns words into a service name or part of one (`Slug.clean`, the generator's service names).
public enum SlugText {
    /// `[a-z0-9-]`, words joined by `-`, at most `limit` characters; empty when nothing is left.
    public static func from(_ s: String, limit: Int) -> String {
        let words = s.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        let joined = String(words.joined(separator: "-").prefix(limit))
        return joined.hasSuffix("-") ? String(joined.dropLast()) : joined
    }
}
