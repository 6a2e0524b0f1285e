/// An error that knows its HTTP answer. Domain errors stay free of HTTP; the API modules conform them to this, and
/// the router turns any of them thrown by a handler into its status and `{"error":{"code","message"}}` envelope.
public protocol HTTPResponseError: Error {
    var status: Int { get }
    /// A stable, machine-readable code.
    var code: String { get }
    /// What went wrong and what to do next.
    var message: String { get }
    /// Headers the answer carries besides the envelope's (`Retry-After`…).
    var headers: [(String, String)] { get }
}

extension HTTPResponseError {
    public var headers: [(String, String)] { [] }

    /// The error envelope with its status and headers.
    public var response: Response {
        var r = Response.error(status, code: code, message: message)
        for (name, value) in headers { r.headers.add(name, value) }
        return r
    }
}

extension HTTPError: HTTPResponseError {}
