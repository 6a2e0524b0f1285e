/// The header one replica's proxy adds to a request it passes on to the replica that runs the service (and the
/// endpoint caller to a call it sends there): the receiver serves the request or answers, never relays it again.
public enum RelayHeader {
    public static let name = "X-OpenPieces-Relay"
}
