/// A name or host as slug characters: "Example.com" → "example-com", "big orders" → "big-orders". The one way the
/// platform turns words into a service name or part of one (`Slug.clean`, the generator's service names).
public enum SlugText {
    /// `[a-z0-9-]`, words joined by `-`, at most `limit` characters; empty when nothing is left.
    public static func from(_ s: String, limit: Int) -> String {
        let joined = String(words(s).joined(separator: "-").prefix(limit))
        return joined.hasSuffix("-") ? String(joined.dropLast()) : joined
    }

    /// The ASCII letter-and-digit runs of a text, lowercased: "Price (USD)" → ["price", "usd"].
    public static func words(_ s: String) -> [Substring] {
        s.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
