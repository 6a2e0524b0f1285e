import Core
import Foundation
import Scheduling

/// What the offline engine can build without a model: plain-English requests mapped to templates.
/// Documented in the README; anything else gets an answer that says how to connect a model.
public enum Catalogue {
    public enum Item: Sendable, Equatable {
        case crud(resource: String, fields: [String])
        case keyValue
        case counter
        case converter
        case textTools
        case uptime(url: String)
        /// A trigger service that checks a shared secret and starts its workflow.
        case webhook(name: String)
        /// An action that fetches a URL and records the result (what a scheduled job calls).
        case fetch(url: String)
        /// Nothing to build: a schedule for an endpoint of an existing service.
        case scheduleOnly(service: String, method: String, path: String)
    }

    public struct Plan: Sendable, Equatable {
        public var slug: String
        public var item: Item
        /// When the request asks for it to run on a schedule.
        public var schedule: SchedulePhrase.Parsed?
        public init(slug: String, item: Item, schedule: SchedulePhrase.Parsed? = nil) {
            self.slug = slug
            self.item = item
            self.schedule = schedule
        }

        /// Whether a service is built for it.
        public var builds: Bool { if case .scheduleOnly = item { false } else { true } }

        /// The endpoint a schedule calls: (service, "METHOD /path").
        public var scheduledCall: (String, String)? {
            switch item {
            case .uptime: (slug, "POST /check")
            case .fetch: (slug, "POST /run")
            case .scheduleOnly(let service, let method, let path): (service, "\(method) \(path)")
            default: nil
            }
        }
    }

    /// The secret a webhook receiver checks: `ORDERS_WEBHOOK_SECRET` for `orders-webhook`.
    public static func secretName(_ slug: String) -> String {
        slug.uppercased().replacingOccurrences(of: "-", with: "_") + (slug.hasSuffix("-webhook") ? "_SECRET" : "_WEBHOOK_SECRET")
    }

    public static func match(_ request: String) -> Plan? {
        guard var plan = item(request) else { return nil }
        plan.schedule = SchedulePhrase.parse(request)
        if plan.schedule != nil, plan.scheduledCall == nil { plan.schedule = nil }
        return plan
    }

    static func item(_ request: String) -> Plan? {
        let text = request.lowercased()
        let words = text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" && $0 != "_" && $0 != ":" && $0 != "/" && $0 != "." }).map(String.init)
        if text.contains("webhook") {
            let skip: Set<String> = ["a", "an", "the", "my", "incoming", "webhook", "webhooks", "receiver", "that", "which"]
            let name = ["for", "called", "named"].lazy.compactMap { w in words.firstIndex(of: w).flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil } }
                .first { !skip.contains($0) }.map(slugPart) ?? "incoming"
            let base = name.isEmpty ? "incoming" : String(name.prefix(38))
            return Plan(slug: base + "-webhook", item: .webhook(name: base))
        }
        let url = words.first(where: { $0.hasPrefix("http://") || $0.hasPrefix("https://") }).map { $0.hasSuffix(".") ? String($0.dropLast()) : $0 }
        if SchedulePhrase.parse(request) != nil {
            if let url, !text.contains("uptime"), let host = URL(string: url)?.host, !host.isEmpty {
                return Plan(slug: "fetch-" + slugPart(host), item: .fetch(url: url))
            }
            // "… call counter POST /increment"
            let methods: Set<String> = ["get", "post", "put", "patch", "delete"]
            if let i = words.firstIndex(where: { methods.contains($0) }), i > 0, i + 1 < words.count, words[i + 1].hasPrefix("/") {
                let service = words[i - 1]
                return Plan(slug: slugPart(service) + "-schedule", item: .scheduleOnly(service: service, method: words[i].uppercased(), path: words[i + 1]))
            }
        }
        if text.contains("key-value") || text.contains("key value") || text.contains("kv store") {
            return Plan(slug: "kv-store", item: .keyValue)
        }
        if words.contains("counter") { return Plan(slug: "counter", item: .counter) }
        if text.contains("convert") { return Plan(slug: "converter", item: .converter) }
        if text.contains("slugify") || text.contains("word count") || text.contains("text transform") || text.contains("uppercase") {
            return Plan(slug: "text-tools", item: .textTools)
        }
        if text.contains("uptime") || (text.contains("monitor") && text.contains("http")) {
            guard let url = words.first(where: { $0.hasPrefix("http://") || $0.hasPrefix("https://") }),
                  let host = URL(string: url)?.host, !host.isEmpty else { return nil }
            return Plan(slug: "uptime-" + slugPart(host), item: .uptime(url: url))
        }
        if words.contains("api") || words.contains("crud") || text.contains("records") {
            guard let resource = resourceName(words) else { return nil }
            var fields = fieldNames(text)
            if fields.isEmpty { fields = ["name"] }
            return Plan(slug: slugPart(resource) + "-api", item: .crud(resource: slugPart(resource), fields: fields))
        }
        return nil
    }

    /// "a notes API", "an API for contacts", "CRUD for books".
    static func resourceName(_ words: [String]) -> String? {
        let skip: Set<String> = ["a", "an", "the", "json", "rest", "simple", "small", "me", "my", "create", "build", "make", "with", "crud", "api"]
        if let i = words.firstIndex(of: "for"), i + 1 < words.count, !skip.contains(words[i + 1]) { return words[i + 1] }
        if let i = words.firstIndex(where: { $0 == "api" || $0 == "crud" }), i > 0 {
            var j = i - 1
            while j >= 0, skip.contains(words[j]) { j -= 1 }
            if j >= 0 { return words[j] }
        }
        return nil
    }

    /// "with title and body", "with name, email and phone".
    static func fieldNames(_ text: String) -> [String] {
        guard let r = text.range(of: " with ") else { return [] }
        var tail = String(text[r.upperBound...])
        for stop in [" that ", " which ", " stored", " persisted", ".", ";"] {
            if let s = tail.range(of: stop) { tail = String(tail[..<s.lowerBound]) }
        }
        let parts = tail.replacingOccurrences(of: " and ", with: ",").split(separator: ",")
        let skip: Set<String> = ["a", "an", "the", "fields", "field", "columns", "properties"]
        let names = parts.compactMap { part -> String? in
            let w = part.split(separator: " ").map(String.init).filter { !skip.contains($0) }
            guard let name = w.first else { return nil }
            let clean = name.filter { $0.isLetter || $0.isNumber || $0 == "_" }
            return clean.isEmpty || clean.first!.isNumber ? nil : clean
        }
        return Array(NSOrderedSet(array: names).array as? [String] ?? names).prefix(12).map { $0 }
    }

    static func slugPart(_ s: String) -> String {
        let cleaned = String(s.lowercased().map { ($0.isLetter || $0.isNumber) ? $0 : "-" })
        let parts = cleaned.split(separator: "-").filter { !$0.isEmpty }
        return String(parts.joined(separator: "-").prefix(30))
    }

    public static let readme = """
        - a JSON API with CRUD over named records: "create a notes API with title and body" (node:sqlite)
        - a key-value store: "build a key-value store"
        - a counter: "make a counter"
        - a unit and currency converter with a fixed table: "build a converter"
        - a text transformer (slugify, case, word count): "build text tools to slugify and count words"
        - an uptime checker for a URL: "monitor uptime of https://example.com" (add "every 5 minutes" to schedule the checks)
        - a webhook receiver that checks a shared secret and starts a workflow: "build a webhook receiver for orders that saves them to orders-api"
          (the secret is ORDERS_WEBHOOK_SECRET; send it in X-Webhook-Secret, or sign the body: X-Signature-256)
        - a scheduled job that calls a URL and records the results: "every morning at 8 fetch https://example.com/status in Europe/Zurich"
        - a schedule for an endpoint you have: "every 15 minutes call counter POST /counter/visits/increment"
        """
}
