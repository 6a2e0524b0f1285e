import Core
import Foundation
import HTTPClient

/// Runs a request's checks in order against the child server; the first failure ends them with its reason.
struct EvalChecks {
    let api: EvalAPI
    /// How long a run may take to appear and to finish (real models are slow; replays are not).
    let runTimeout: Double
    /// How long a service between two states (deploying, restarting) is given to settle before it is judged.
    static let settleSeconds: Double = 20
    /// Values captured by earlier checks, for `{name}` in later ones.
    var captures: [String: String] = [:]

    struct Failed: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    mutating func run(_ check: Check) async throws {
        switch check {
        case .http(let call): _ = try await http(call)
        case .service(let sel, let e): try await service(sel, e)
        case .workflow(let sel, let e): try await workflow(sel, e)
        case .task(let sel, let e): try await task(sel, e)
        case .run(let sel, let input, let call, let e): try await run(sel, input: input, http: call, e)
        case .secretRequested(let sel, let name, let value): try await secret(sel, name, value)
        }
    }

    // MARK: selection

    func services() async throws -> [JSONValue] { try await api.get("/api/v1/services")["services"]?.array ?? [] }

    func pick(_ sel: ServiceSelector) async throws -> JSONValue {
        let all = try await services()
        guard !all.isEmpty else { throw Failed("no service was built") }
        let found = all.filter { s in
            if let slug = sel.slug, s["slug"]?.string != slug { return false }
            if let kind = sel.kind, s["kind"]?.string != kind { return false }
            if let e = sel.endpoint, !EvalChecks.endpoints(s).contains(where: { EvalChecks.endpoint($0, matches: e) }) { return false }
            return true
        }
        guard found.count == 1 else {
            let names = all.map { "\($0["slug"]?.string ?? "?") (\($0["kind"]?.string ?? "?"))" }.joined(separator: ", ")
            throw Failed(found.isEmpty ? "no service matches \(sel); built: \(names)"
                                       : "\(found.count) services match \(sel): \(names)")
        }
        return found[0]
    }

    static func endpoints(_ s: JSONValue) -> [(method: String, path: String)] {
        (s["endpoints"]?.array ?? []).map { ($0["method"]?.string ?? "", $0["path"]?.string ?? "") }
    }

    /// "POST" matches any POST; "GET /notes/:id" matches that path with parameters of any name.
    static func endpoint(_ e: (method: String, path: String), matches pattern: String) -> Bool {
        let parts = pattern.split(separator: " ", maxSplits: 1).map(String.init)
        guard e.method.uppercased() == parts[0].uppercased() else { return false }
        guard parts.count == 2 else { return true }
        let a = e.path.split(separator: "/"), b = parts[1].split(separator: "/")
        return a.count == b.count && zip(a, b).allSatisfy { x, y in x == y || (x.hasPrefix(":") && y.hasPrefix(":")) || (x.hasPrefix("{") && y.hasPrefix(":")) }
    }

    func pick(_ sel: WorkflowSelector?) async throws -> JSONValue {
        let all = try await api.get("/api/v1/workflows")["workflows"]?.array ?? []
        if let slug = sel?.slug {
            guard let w = all.first(where: { $0["slug"]?.string == slug }) else { throw Failed("no workflow '\(slug)'") }
            return w
        }
        if let t = sel?.trigger {
            let trigger = try await pick(t)["slug"]?.string
            guard let w = all.first(where: { $0["trigger"]?.string == trigger }) else { throw Failed("no workflow is started by the trigger '\(trigger ?? "")'") }
            return w
        }
        guard all.count == 1 else { throw Failed("expected one workflow, found \(all.count)") }
        return all[0]
    }

    // MARK: http

    func substitute(_ s: String) -> String {
        var out = s
        for (k, v) in captures { out = out.replacingOccurrences(of: "{\(k)}", with: v) }
        return out
    }

    func substitute(_ v: JSONValue) -> JSONValue {
        switch v {
        case .string(let s): .string(substitute(s))
        case .array(let a): .array(a.map(substitute))
        case .object(let o): .object(o.mapValues(substitute))
        default: v
        }
    }

    /// Performs the call and its expectations; returns the answer for callers that look further.
    mutating func http(_ call: HTTPCall) async throws -> ClientResponse {
        var method = call.method ?? "GET"
        let url: String
        var serviceURL = ""
        var fieldNames: [String] = []
        if let u = call.url {
            url = substitute(u)
            // A captured URL may be checked against the service that handed it out.
            if let sel = call.service { serviceURL = try await pick(sel)["url"]?.string ?? "" }
        } else {
            let s = try await pick(call.service ?? ServiceSelector())
            guard s["status"]?.string == "running" else { throw Failed("service '\(s["slug"]?.string ?? "")' is \(s["status"]?.string ?? "?"), not running") }
            serviceURL = s["url"]?.string ?? ""
            let base = s[(call.via ?? .url).rawValue]?.string ?? serviceURL
            var path = call.path.map(substitute) ?? "/"
            if let e = call.endpoint {
                guard let found = EvalChecks.endpoints(s).first(where: { EvalChecks.endpoint($0, matches: e) && !$0.path.contains(":") }) else {
                    throw Failed("service '\(s["slug"]?.string ?? "")' declares no \(e) endpoint without path parameters")
                }
                method = found.method
                path = found.path
                fieldNames = EvalChecks.inputFields(s, found)
            }
            url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + (path.hasPrefix("/") ? path : "/" + path)
        }
        let body = call.body.map(substitute).map { EvalChecks.resolveFields($0, declared: fieldNames) }
        let label = "\(method) \(url)"
        let r: ClientResponse
        do { r = try await api.service(method, url, headers: (call.headers ?? [:]).mapValues(substitute), body: body) } catch {
            throw Failed("\(label): \(error)")
        }
        let json = JSONValue.parse(r.body)
        if let e = call.expect {
            if let s = e.status, !s.matches(r.status) { throw Failed("\(label) answered \(r.status), expected \(s): \(r.text.prefix(200))") }
            if let subset = e.json.map(substitute), !EvalChecks.contains(json, subset) {
                throw Failed("\(label): the answer does not hold \(subset.text): \(r.text.prefix(300))")
            }
            if let subset = e.jsonAny.map(substitute), !EvalChecks.anywhere(json, subset) {
                throw Failed("\(label): no object in the answer holds \(subset.text): \(r.text.prefix(300))")
            }
            if let subset = e.jsonNone.map(substitute), EvalChecks.anywhere(json, subset) {
                throw Failed("\(label): the answer should hold no \(subset.text): \(r.text.prefix(300))")
            }
            if let n = e.count {
                guard let list = EvalChecks.list(json) else { throw Failed("\(label): the answer is not a list: \(r.text.prefix(200))") }
                if list.count != n { throw Failed("\(label): \(list.count) items, expected \(n)") }
            }
            if e.errorEnvelope == true, json?["error"]?["code"]?.string == nil || json?["error"]?["message"]?.string == nil {
                throw Failed("\(label): not the error envelope {\"error\":{\"code\",\"message\"}}: \(r.text.prefix(200))")
            }
            if e.urlUnderService == true, serviceURL.isEmpty || !url.hasPrefix(serviceURL) {
                throw Failed("\(url) is not under the service's public URL \(serviceURL)")
            }
            if let h = e.header {
                guard let value = r.header(h.name) else { throw Failed("\(label): no \(h.name) header (status \(r.status))") }
                if let want = h.equals.map(substitute), value != want { throw Failed("\(label): \(h.name) is '\(value)', expected '\(want)'") }
                if let want = h.startsWith.map(substitute), !value.hasPrefix(want) { throw Failed("\(label): \(h.name) '\(value)' does not start with '\(want)'") }
                if h.startsWithServiceURL == true, !value.hasPrefix(serviceURL) {
                    throw Failed("\(label): \(h.name) '\(value)' is not under the service's URL \(serviceURL)")
                }
            }
        }
        for (name, path) in call.capture ?? [:] {
            guard let v = EvalChecks.capture(json, path, sent: body) else { throw Failed("\(label): nothing at '\(path)' to capture as {\(name)}: \(r.text.prefix(200))") }
            captures[name] = v
        }
        return r
    }
}
