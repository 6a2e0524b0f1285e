import CNetShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client that speaks raw bytes, so tests can send exactly what a misbehaving client would.
public final class RawClient {
    public let fd: Int32
    private var buffer: [UInt8] = []

    /// `timeoutMs` bounds connecting and each read: generous, because the whole suite starts dozens of servers and Deno
    /// processes at once on a 2-core machine, which can hold an in-process server back for seconds.
    public init(port: Int, host: String = "127.0.0.1", timeoutMs: Int = 20000) throws {
        let fd = op_connect_tcp(host, Int32(port), Int32(timeoutMs))
        guard fd >= 0 else { throw TestError("connect to \(port) failed: errno \(-fd)") }
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { op_send(fd, $0.baseAddress! + offset, bytes.count - offset) }
            guard n > 0 else { throw TestError("send failed: errno \(errno)") }
            offset += n
        }
    }

    /// Closes our writing side (the server then sees end of input).
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads more bytes into the buffer; false on end of stream.
    /// The blocking read runs on its own thread: test code must never block Swift's small cooperative pool,
    /// which the server's handlers need.
    @discardableResult
    func fill() async throws -> Bool {
        let fd = self.fd
        let (chunk, err): ([UInt8], Int32) = await withCheckedContinuation { cont in
            Thread.detachNewThread {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 65536) }
                if n < 0 { cont.resume(returning: ([], errno)) } else { cont.resume(returning: (Array(chunk[0..<n]), 0)) }
            }
        }
        if err != 0 {
            if err == ECONNRESET { return false }
            throw TestError(err == EAGAIN ? "read timed out" : "read failed: errno \(err)")
        }
        if chunk.isEmpty { return false }
        buffer += chunk
        return true
    }

    /// Reads one response. `head` for a response to HEAD (no body despite Content-Length).
    public func readResponse(head: Bool = false) async throws -> RawResponse {
        var headEnd: Int?
        while headEnd == nil {
            if let r = find([13, 10, 13, 10]) { headEnd = r } else if try await !fill() { throw TestError("connection closed before a response head") }
        }
        let headText = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestError("bad status line '\(statusLine)'") }
        var headers: [(String, String)] = []
        for l in lines {
            guard let c = l.firstIndex(of: ":") else { continue }
            headers.append((String(l[..<c]), l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = RawResponse(status: status, headers: headers, body: [])
        if head || status < 200 || status == 204 || status == 304 { return response }
        if let te = response.header("Transfer-Encoding"), te.lowercased() == "chunked" {
            response.body = try await readChunked()
        } else if let cl = response.header("Content-Length"), let n = Int(cl) {
            while buffer.count < n { if try await !fill() { throw TestError("connection closed mid-body") } }
            response.body = Array(buffer[0..<n])
            buffer.removeFirst(n)
        } else {
            while try await fill() {}
            response.body = buffer
            buffer = []
        }
        return response
    }

    private func readChunked() async throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd = find([13, 10])
            while lineEnd == nil { if try await !fill() { throw TestError("closed in chunk size") }; lineEnd = find([13, 10]) }
            let sizeText = String(decoding: buffer[0..<lineEnd!], as: UTF8.self)
            buffer.removeFirst(lineEnd! + 2)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else { throw TestError("bad chunk size '\(sizeText)'") }
            while buffer.count < size + 2 { if try await !fill() { throw TestError("closed in chunk") } }
            body += buffer[0..<size]
            buffer.removeFirst(size + 2)
            if size == 0 { return body }
        }
    }

    /// Reads exactly `n` bytes.
    public func readBytes(_ n: Int) async throws -> [UInt8] {
        while buffer.count < n { if try await !fill() { throw TestError("closed after \(buffer.count) of \(n) bytes") } }
        let out = Array(buffer[0..<n])
        buffer.removeFirst(n)
        return out
    }

    /// True when the server closes the connection (end of stream) within the socket timeout.
    public func isClosedByPeer() async -> Bool {
        do {
            while try await fill() {}
            return true
        } catch {
            return false
        }
    }

    public var pending: [UInt8] { buffer }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        outer: for i in 0...(buffer.count - pattern.count) {
            for j in 0..<pattern.count where buffer[i + j] != pattern[j] { continue outer }
            return i
        }
        return nil
    }
}

public struct RawResponse {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    public var text: String { String(decoding: body, as: UTF8.self) }
}

public struct TestError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
