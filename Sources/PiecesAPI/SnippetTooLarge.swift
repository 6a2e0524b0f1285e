import HTTPServer

/// A snippet over `PiecesAPI.maxFragmentBytes`, refused wherever it comes from: the API, an import, an agent's tool.
public struct SnippetTooLarge: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(description: String) { self.description = description }
}

/// The Pieces API answers it as Pieces OS would: 413.
extension SnippetTooLarge: HTTPResponseError {
    public var status: Int { 413 }
    public var code: String { "fragment_too_large" }
    public var message: String { description }
}
