import CCurlShim
import Foundation
import Synchronization

/// One libcurl transfer, driven by `CurlMulti`'s thread, feeding a head continuation and then a body stream.
final class Transfer: @unchecked Sendable {
    let request: ClientRequest
    let limit: Int
    let userAgent: String
    private let cancelled = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    // Touched only by the multi thread (set before the handle is added, read after).
    private(set) var handle: UnsafeMutableRawPointer?
    private var headContinuation: CheckedContinuation<StreamingResponse, Error>?
    private var bodyContinuation: AsyncThrowingStream<[UInt8], Error>.Continuation?
    private var headers: [(String, String)] = []
    private var received = 0
    private var tooLarge = false
    private var lastActivity = Date()
    private var stalled = false
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar> = {
        let b = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        b[0] = 0
        return b
    }()

    init(request: ClientRequest, limit: Int, userAgent: String) {
        self.request = request
        self.limit = limit
        self.userAgent = userAgent
    }

    deinit { errorBuffer.deallocate() }

    /// Safe from any thread: the progress callback sees the flag, and the multi thread removes the handle at once.
    func cancel() {
        guard !finished.load(ordering: .acquiring), !cancelled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        CurlMulti.shared.cancel(self)
    }

    /// Hands the transfer to the multi thread; `cont` gets the head (or the error) from there.
    func start(_ cont: CheckedContinuation<StreamingResponse, Error>) {
        headContinuation = cont
        CurlMulti.shared.submit(self)
    }

    /// On the multi thread: an easy handle with every option set, or nil once the caller has its error.
    func prepare() -> UnsafeMutableRawPointer? {
        if cancelled.load(ordering: .relaxed) {
            finish(error: .cancelled)
            return nil
        }
        guard let h = curl_easy_init() else {
            finish(error: HTTPClientError.transfer(url: request.url, code: -1, message: "curl_easy_init failed"))
            return nil
        }
        handle = h
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = op_curl_set_str(h, CURLOPT_URL, request.url)
        // This machine's services (probes, endpoint calls, test runs) are reached directly, whatever http_proxy says.
        if Transfer.isLoopback(request.url) { _ = op_curl_set_str(h, CURLOPT_NOPROXY, "*") }
        _ = op_curl_set_long(h, CURLOPT_NOSIGNAL, 1)
        _ = op_curl_set_str(h, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = op_curl_set_long(h, CURLOPT_SSL_VERIFYPEER, 1)
        _ = op_curl_set_long(h, CURLOPT_SSL_VERIFYHOST, 2)
        _ = op_curl_set_long(h, CURLOPT_FOLLOWLOCATION, 0)
        _ = op_curl_set_long(h, CURLOPT_FORBID_REUSE, 1)  // the connection closes with the transfer, as it always did
        _ = op_curl_set_str(h, CURLOPT_USERAGENT, userAgent)
        _ = op_curl_set_str(h, CURLOPT_ACCEPT_ENCODING, "")
        _ = op_curl_set_ptr(h, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = op_curl_set_long(h, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
        if request.timeout > 0 { _ = op_curl_set_long(h, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000)) }
        // libcurl calls the progress callback on every `curl_multi_perform`, which `CurlMulti` runs at least every
        // 200 ms while transfers are open, even when nothing flows: it enforces the stall timeout.
        lastActivity = Date()
        _ = op_curl_set_long(h, CURLOPT_NOPROGRESS, 0)
        _ = op_curl_set_progress_cb(h) { userdata, _, _, _, _ in
            let t = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
            return t.onProgress()
        }
        _ = op_curl_set_ptr(h, CURLOPT_XFERINFODATA, me)
        let method = request.method.uppercased()
        if method == "HEAD" {
            _ = op_curl_set_long(h, CURLOPT_NOBODY, 1)
        } else if method != "GET" || request.body != nil {
            _ = op_curl_set_str(h, CURLOPT_CUSTOMREQUEST, method)
        }
        if let body = request.body {
            _ = op_curl_set_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            body.withUnsafeBytes { raw in
                _ = op_curl_set_ptr(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        }
        for (name, value) in request.headers {
            let clean = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0 != "\r" && $0 != "\n" && $0 != "\0" }))
            headerList = curl_slist_append(headerList, "\(name): \(clean)")
        }
        headerList = curl_slist_append(headerList, "Expect:")  // no 1 s stall waiting for 100-continue from servers that never send it
        _ = op_curl_set_slist(h, CURLOPT_HTTPHEADER, headerList)
        _ = op_curl_set_data_cb(h, CURLOPT_HEADERFUNCTION) { ptr, size, count, userdata in
            let t = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
            return t.onHeader(UnsafeRawBufferPointer(start: ptr, count: size * count))
        }
        _ = op_curl_set_ptr(h, CURLOPT_HEADERDATA, me)
        _ = op_curl_set_data_cb(h, CURLOPT_WRITEFUNCTION) { ptr, size, count, userdata in
            let t = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
            return t.onBody(UnsafeRawBufferPointer(start: ptr, count: size * count))
        }
        _ = op_curl_set_ptr(h, CURLOPT_WRITEDATA, me)
        return h
    }

    /// On the multi thread, once the handle is out of the multi: settles the caller and frees the handle.
    func complete(_ rc: CURLcode, detail: String? = nil) {
        if rc == CURLE_OK {
            deliverHead()
            finish(error: nil)
        } else {
            let detail = detail ?? (errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(rc)))
            finish(error: mapError(rc, detail))
        }
        curl_easy_cleanup(handle)
        handle = nil
        curl_slist_free_all(headerList)
        headerList = nil
    }

    private func mapError(_ rc: CURLcode, _ detail: String) -> HTTPClientError {
        let url = request.url
        if cancelled.load(ordering: .relaxed) { return .cancelled }
        if tooLarge { return .responseTooLarge(url: url, limit: limit) }
        if stalled { return .timeout(url: url, seconds: request.stallTimeout) }
        switch rc {
        case CURLE_OPERATION_TIMEDOUT:
            // No connection within the connect timeout is a host that cannot be reached, not a slow answer (unless the
            // whole request's shorter timeout ran out first).
            if let handle, op_curl_connected(handle) == 0, request.timeout <= 0 || request.connectTimeout <= request.timeout {
                return .connectFailed(url: url, message: "no connection within \(request.connectTimeout) s")
            }
            return .timeout(url: url, seconds: request.timeout > 0 ? request.timeout : request.stallTimeout)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .connectFailed(url: url, message: detail)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE:
            return .tls(url: url, message: detail)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .invalidURL(url)
        default:
            return .transfer(url: url, code: Int(rc.rawValue), message: detail)
        }
    }

    private func onProgress() -> Int32 {
        if cancelled.load(ordering: .relaxed) { return 1 }
        if request.stallTimeout > 0, Date().timeIntervalSince(lastActivity) > request.stallTimeout {
            stalled = true
            return 1
        }
        return 0
    }

    private func onHeader(_ line: UnsafeRawBufferPointer) -> Int {
        if cancelled.load(ordering: .relaxed) { return 0 }
        lastActivity = Date()
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("HTTP/") {
            headers = []  // a new response (after 100 Continue or a redirect) starts over
        } else if let colon = text.firstIndex(of: ":") {
            headers.append((String(text[..<colon]), text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return line.count
    }

    private func onBody(_ chunk: UnsafeRawBufferPointer) -> Int {
        if cancelled.load(ordering: .relaxed) { return 0 }
        lastActivity = Date()
        received += chunk.count
        if received > limit {
            tooLarge = true
            return 0
        }
        deliverHead()
        bodyContinuation?.yield(Array(chunk))
        return chunk.count
    }

    /// Resolves the head continuation once, creating the body stream the caller will read.
    private func deliverHead() {
        guard let cont = headContinuation, let h = handle else { return }
        headContinuation = nil
        let (stream, continuation) = AsyncThrowingStream<[UInt8], Error>.makeStream()
        continuation.onTermination = { [weak self] reason in
            if case .cancelled = reason { self?.cancel() }
        }
        bodyContinuation = continuation
        cont.resume(returning: StreamingResponse(status: op_curl_response_code(h), headers: headers,
                                                 body: ResponseBody(stream: stream, cancel: { [weak self] in self?.cancel() })))
    }

    private func finish(error: HTTPClientError?) {
        finished.store(true, ordering: .releasing)
        if let cont = headContinuation {
            headContinuation = nil
            cont.resume(throwing: error ?? HTTPClientError.cancelled)
            return
        }
        if let error { bodyContinuation?.finish(throwing: error) } else { bodyContinuation?.finish() }
        bodyContinuation = nil
    }

    /// A URL whose host is this machine: `localhost` (and its subdomains), 127.0.0.0/8 or ::1.
    static func isLoopback(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host?.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]")) else { return false }
        return host == "localhost" || host.hasSuffix(".localhost") || host == "::1" || host.hasPrefix("127.")
    }
}
