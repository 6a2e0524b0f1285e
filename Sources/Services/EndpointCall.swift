import Core
import Foundation
import HTTPClient

/// What an endpoint answered, as an agent needs to see it: the status, the headers that say what happened
/// (`Location`, `Content-Type`, the names of cookies set) and the body.
public struct EndpointAnswer: Sendable {
    public let status: Int
    public let headers: ShownHeaders
    public let output: JSONValue
    public let ms: Int

    public var json: JSONValue { ["status": JSONValue(status), "headers": headers.json, "output": output, "ms": JSONValue(ms)] }
}

/// The response headers worth showing a model: enough to see a redirect's target, what kind of body came back, and
/// which cookies were set (names only: values may be credentials).
public struct ShownHeaders: Sendable, Equatable {
    public var location: String?
    public var contentType: String?
    public var cookieNames: [String] = []

    public init(_ headers: [(String, String)]) {
        for (name, value) in headers {
            switch name.lowercased() {
            case "location": location = value
            case "content-type": contentType = value
            case "set-cookie": cookieNames.append(String(value.split(separator: "=", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces))
            default: break
            }
        }
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [:]
        if let location { o["location"] = .string(location) }
        if let contentType { o["content-type"] = .string(contentType) }
        if !cookieNames.isEmpty { o["set-cookie"] = .array(cookieNames.map { .string($0) }) }
        return .object(o)
    }
}

/// Calling one endpoint of a running service with input validated against its schema: the API's `…/call` route and
/// the Events agent's tool both go through here, so their validation and errors are identical.
extension ServiceManager {
    static let endpointClient = HTTPClient(maxResponseBytes: 16 * 1024 * 1024)

    /// Resolves an endpoint of `service` by id, or by `"METHOD /path"`: as declared (`/notes/:id`) or concrete
    /// (`/notes/7`, whose parameters are answered too).
    public func endpoint(of service: ServiceRecord, _ reference: String) throws -> (EndpointRecord, [String: String])? {
        let all = try store.endpoints(service.id)
        if let e = all.first(where: { $0.id == reference }) { return (e, [:]) }
        let parts = reference.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        let method = parts[0].uppercased(), path = parts[1]
        if let e = all.first(where: { $0.method == method && $0.path == path }) { return (e, [:]) }
        // The router's matcher: the endpoints of one method, the first of a shape winning as it did when declared.
        let declared = all.filter { $0.method == method }.map { (pattern: PathPattern($0.path), value: $0) }
        guard let (e, params) = PathTrie(declared, combine: { _, _ in }).match(path) else { return nil }
        return (e, params)
    }

    /// Calls it. Failures are `Failure`s: `notFound` endpoint, `rejected` input, `notRunning` service, `serviceFailed` to
    /// answer.
    public func call(service slugOrID: String, endpoint reference: String, input given: JSONValue,
                     headers extra: [(String, String)] = [], timeout: Double = 30) async throws -> EndpointAnswer {
        let s = try require(slugOrID)
        guard let (e, params) = try endpoint(of: s, reference) else {
            throw Failure(.notFound, code: "not_found",
                          description: "Service '\(s.slug)' has no endpoint '\(reference)'. See GET /api/v1/services/\(s.slug)/endpoints.")
        }
        var input = given
        if !params.isEmpty {
            var o = input.object ?? [:]
            for (k, v) in params where o[k] == nil { o[k] = .string(v) }
            input = .object(o)
        }
        if let schema = e.inputSchema {
            let errors = JSONSchema.validate(input, against: schema)
            if !errors.isEmpty { throw Failure(.rejected, code: "invalid_input", description: errors.joined(separator: "; ")) }
        }
        var headers = [("Content-Type", "application/json")] + publicRequestHeaders(s.slug) + extra
        let base: String
        var relayed = false
        if let port = await supervisor.port(of: s.id) {
            base = "http://127.0.0.1:\(port)"
        } else {
            switch supervisor.live.lookup(s.slug) {
            case .elsewhere(let remote):
                // Another replica runs it: the call goes to that replica's proxy, as the public request would.
                base = "http://\(remote.ip.contains(":") ? "[\(remote.ip)]" : remote.ip):\(remote.port)\(publicPathPrefix(s.slug))"
                headers.append((RelayHeader.name, "1"))
                relayed = true
            case .stranded(let node): throw Failure.pinned(s.slug, node: node)
            default: throw supervisor.live.isMoving(s) ? Failure.moving(s.slug) : Failure.notRunning(s, named: s.slug)
            }
        }
        let (path, body) = try ServiceManager.target(e, input: input)
        let url = base + path
        let started = Date()
        let answer: ClientResponse
        do {
            // A replica that does not take a connection within a few seconds is gone: the service is moving.
            answer = try await ServiceManager.endpointClient.send(ClientRequest(method: e.method, url: url, headers: headers, body: body, timeout: timeout,
                                                                                connectTimeout: relayed ? RelayHeader.connectTimeout : 10))
        } catch HTTPClientError.connectFailed where relayed {
            throw Failure.moving(s.slug)
        } catch let err as HTTPClientError {
            throw Failure(.serviceFailed, code: "service_failed", description: "Calling \(e.method) \(e.path) on '\(s.slug)' failed: \(err)")
        }
        let output = JSONValue.parse(answer.body)
        // The other replica no longer runs it either (its proxy says so, not the service): it is between replicas.
        if relayed, answer.status == 503, output?["error"]?["code"]?.string == "service_moving" {
            throw Failure.moving(s.slug)
        }
        return EndpointAnswer(status: answer.status, headers: ShownHeaders(answer.headers), output: output ?? .string(answer.text),
                              ms: Int((Date().timeIntervalSince(started) * 1000).rounded()))
    }

    /// The platform's own calls arrive as a public request to the service's URL does, so what an agent tests is
    /// what users get (absolute links and redirects built from the forwarded host come out right).
    func publicRequestHeaders(_ slug: String) -> [(String, String)] {
        guard let urls, let parts = URLComponents(string: urls.url(slug)), let host = parts.host, let scheme = parts.scheme else { return [] }
        let authority = host + (parts.port.map { ":\($0)" } ?? "")
        // Host too: Deno builds `req.url` from it, as it does for a proxied request.
        var out = [("Host", authority), ("X-Forwarded-Host", authority), ("X-Forwarded-Proto", scheme), ("X-Forwarded-For", "127.0.0.1")]
        let path = parts.path.hasSuffix("/") ? String(parts.path.dropLast()) : parts.path
        if !path.isEmpty { out.append(("X-Forwarded-Prefix", path)) }
        return out
    }

    /// The path of the service's public URL (`/s/<slug>` on the platform's origin; empty on its own host).
    func publicPathPrefix(_ slug: String) -> String {
        guard let urls, let path = URLComponents(string: urls.url(slug))?.path else { return "" }
        return path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The request target (path and query) and body. Path parameters come from the input; for GET and DELETE the
    /// rest goes in the query string, else in a JSON body.
    static func target(_ e: EndpointRecord, input: JSONValue) throws -> (String, [UInt8]?) {
        var fields = input.object ?? [:]
        var path = ""
        let segmentAllowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))
        for segment in e.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if segment.hasPrefix(":") {
                let name = String(segment.dropFirst())
                guard let v = fields.removeValue(forKey: name) else {
                    throw Failure(.rejected, code: "invalid_input", description: "input.\(name): is required (a path parameter)")
                }
                path += "/" + (v.string ?? v.text).addingPercentEncoding(withAllowedCharacters: segmentAllowed)!
            } else {
                path += "/" + segment
            }
        }
        var url = path
        guard e.method == "GET" || e.method == "DELETE" else { return (url, JSONValue.object(fields).bytes) }
        let query = fields.sorted { $0.key < $1.key }.map { k, v in
            "\(k.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)=\((v.string ?? v.text).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        }
        if !query.isEmpty { url += "?" + query.joined(separator: "&") }
        return (url, nil)
    }
}
