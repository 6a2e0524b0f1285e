/// The header one replica's proxy adds to a request it passes on to the replica that runs the service (and the
/// endpoint caller to a call it sends there): the receiver serves the request or answers, never relays it again.
public enum RelayHeader {
    public static let name = "X-OpenPieces-Relay"
    /// Seconds a relay may take to connect to the other replica (the proxy's and the endpoint caller's): a replica
    /// that does not take a connection that long is gone, and its services are moving.
    public static let connectTimeout: Double = 3
}
