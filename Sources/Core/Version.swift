/// Versions the product reports.
public enum ProductVersion {
    /// The product's own version (`openpieces version`, `GET /api/v1/version`).
    public static let current = "0.1.0"
    /// The Pieces OS API level we are compatible with (`GET /.well-known/version`).
    /// Pieces clients accept 12.0.0 ≤ v < 13.0.0.
    public static let piecesAPILevel = "12.0.0"
}
