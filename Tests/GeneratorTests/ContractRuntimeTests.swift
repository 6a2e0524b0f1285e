import Core
import Foundation
import Generator
import Intent
import Services
import Testing

/// What a test run of the platform does to a generated service (every declared endpoint, with an input made from its
/// schema, creators first): no 5xx, no 405, no 404 without a JSON error, and every 2xx answer matches the endpoint's
/// outputSchema. Also: a concrete path's parameters (strings) pass the inputSchema, as the platform validates them.
@Suite(.serialized) struct ContractRuntimeTests {
    static let specs = [SpecTable.tasks, SpecTable.expenses, SpecTable.products, SpecTable.kvPlain, SpecTable.counter, SpecTable.links,
                        SpecTable.text, SpecTable.converter, SpecTable.lookup, SpecTable.lookupOpen, SpecTable.shop, SpecTable.documents,
                        SpecTable.expiring, SpecTable.notes, SpecTable.oddNames]

    @Test func answersMatchTheManifestsSchemas() async throws {
        let checked = Counted()
        for spec in Self.specs {
            let manifest = try Manifest.parse(Array(ServiceGenerator.generate(spec).manifest.text.utf8))
            let order = ["POST": 0, "PUT": 1, "PATCH": 2, "GET": 3, "DELETE": 4]
            let endpoints = manifest.endpoints.sorted { (order[$0.method] ?? 5, $0.path.count) < (order[$1.method] ?? 5, $1.path.count) }
            try await withService(spec) { s async throws in
                var seen: [String: JSONValue] = [:]
                for e in endpoints {
                    var fields = e.inputSchema.map { JSONSchema.sample($0) }?.object ?? [:]
                    var path = ""
                    for segment in e.path.split(separator: "/") {
                        guard segment.hasPrefix(":") else { path += "/" + segment; continue }
                        let name = String(segment.dropFirst())
                        let sample = fields.removeValue(forKey: name)
                        let value = seen[name] ?? (name.hasSuffix("id") ? seen["id"] : nil) ?? sample ?? .string("1")
                        let text = value.string ?? value.text
                        path += "/" + (text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text)
                        // The platform merges a concrete path's parameters into the input as strings, then validates it.
                        if let schema = e.inputSchema {
                            var input = fields
                            input[name] = .string(text)
                            let errors = JSONSchema.validate(.object(input), against: schema)
                            #expect(errors.isEmpty, "\(spec.name) \(e.method) \(e.path): \(errors)")
                        }
                    }
                    let query = e.method == "GET" || e.method == "DELETE"
                    if query, !fields.isEmpty {
                        path += "?" + fields.sorted { $0.key < $1.key }.map {
                            "\($0.key)=\(($0.value.string ?? $0.value.text).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                        }.joined(separator: "&")
                    }
                    let (status, json, _) = try await s.call(e.method, path, query ? nil : JSONValue.object(fields).text)
                    let what = "\(spec.name) \(e.method) \(path) → \(status) \(json.text.prefix(300))"
                    #expect(status < 500 && status != 405, "\(what)")
                    if status >= 400 { #expect(json["error"]?["code"]?.string != nil, "\(what)") }
                    if (200..<300).contains(status), status != 204, let schema = e.outputSchema {
                        let errors = JSONSchema.validate(json, against: schema, at: "response")
                        checked.add("\(spec.name) \(e.method) \(e.path)")
                        #expect(errors.isEmpty, "\(what): \(errors)")
                    }
                    if let o = json.object { for (k, v) in o where v.string != nil || v.double != nil { seen[k] = v } }
                }
            }
        }
        // Most endpoints answered 2xx to a schema-made input, so their outputSchema was really checked.
        #expect(checked.count >= 70, "\(checked.names)")
    }
}

final class Counted: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ s: String) { lock.withLock { list.append(s) } }
    var count: Int { lock.withLock { list.count } }
    var names: [String] { lock.withLock { list } }
}
