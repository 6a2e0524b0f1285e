import CCurlShim
import Core
import Foundation
import Synchronization

public struct ClientRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// Seconds for the whole exchange; 0 means no limit (streams use `stallTimeout` instead).
    public var timeout: Double
    public var connectTimeout: Double
    /// Seconds without a single byte received before the transfer is abandoned.
    public var stallTimeout: Double

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                timeout: Double = 30, connectTimeout: Double = 10, stallTimeout: Double = 60) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
    }
}

public struct ClientResponse: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.last { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A response whose body arrives as it is received (Server-Sent Events, large downloads).
public struct StreamingResponse: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: ResponseBody

    public func header(_ name: String) -> String? {
        headers.last { $0.0.lowercased() == name.lowercased() }?.1
    }
}

public enum HTTPClientError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidURL(String)
    case timeout(url: String, seconds: Double)
    case connectFailed(url: String, message: String)
    case tls(url: String, message: String)
    case responseTooLarge(url: String, limit: Int)
    case cancelled
    case transfer(url: String, code: Int, message: String)

    public var description: String {
        switch self {
        case .invalidURL(let u): "'\(u)' is not an http(s) URL"
        case .timeout(let u, let s): "\(u) did not answer within \(s) s; check that it is up, or raise the timeout"
        case .connectFailed(let u, let m): "cannot connect to \(u): \(m); check the address and that the server runs"
        case .tls(let u, let m): "TLS verification failed for \(u): \(m); the certificate is not trusted (verification stays on)"
        case .responseTooLarge(let u, let l): "the response from \(u) exceeds \(l) bytes"
        case .cancelled: "the request was cancelled"
        case .transfer(let u, let c, let m): "request to \(u) failed (curl \(c)): \(m)"
        }
    }
}

/// An HTTP client on libcurl: TLS verification on, timeouts always set, streaming bodies with cancellation.
/// Every transfer runs on the one `op-http-client` thread (`CurlMulti`), so no I/O occupies Swift's cooperative pool
/// and a thousand requests in flight cost no extra threads. A body the caller reads slower than it arrives is buffered,
/// bounded by `maxResponseBytes`.
public final class HTTPClient: Sendable {
    public let maxResponseBytes: Int
    public let userAgent: String
    /// Sent with every request unless the request sets the same header (e.g. `Authorization` for a CLI).
    public let defaultHeaders: [(String, String)]

    public init(maxResponseBytes: Int = 64 * 1024 * 1024, userAgent: String = "openpieces/\(ProductVersion.current)",
                defaultHeaders: [(String, String)] = []) {
        CurlGlobal.ensureInitialized()
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
        self.defaultHeaders = defaultHeaders
    }

    /// Sends a request and collects the whole response body (bounded by `maxResponseBytes`).
    public func send(_ request: ClientRequest) async throws -> ClientResponse {
        let streaming = try await stream(request)
        var body: [UInt8] = []
        for try await chunk in streaming.body { body += chunk }
        return ClientResponse(status: streaming.status, headers: streaming.headers, body: body)
    }

    /// Sends a request and returns once the status and headers are in; the body streams after.
    /// Stop iterating (or cancel the task) to abort the transfer.
    public func stream(_ request: ClientRequest) async throws -> StreamingResponse {
        guard request.url.hasPrefix("http://") || request.url.hasPrefix("https://") else {
            throw HTTPClientError.invalidURL(request.url)
        }
        var request = request
        for (name, value) in defaultHeaders where !request.headers.contains(where: { $0.0.lowercased() == name.lowercased() }) {
            request.headers.append((name, value))
        }
        let transfer = Transfer(request: request, limit: maxResponseBytes, userAgent: userAgent)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<StreamingResponse, Error>) in
                transfer.start(cont)
            }
        } onCancel: {
            transfer.cancel()
        }
    }
}

enum CurlGlobal {
    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    static func ensureInitialized() { _ = initialized }
}

/// The body of a streaming response. Leaving the loop early (or dropping the iterator) aborts the transfer,
/// so an abandoned stream never keeps a connection open.
public struct ResponseBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let stream: AsyncThrowingStream<[UInt8], Error>
    let cancel: @Sendable () -> Void

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[UInt8], Error>.AsyncIterator
        let guardian: CancelOnDeinit

        public mutating func next() async throws -> [UInt8]? { try await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), guardian: CancelOnDeinit(cancel))
    }
}

public final class CancelOnDeinit: Sendable {
    let action: @Sendable () -> Void
    init(_ action: @escaping @Sendable () -> Void) { self.action = action }
    deinit { action() }
}
