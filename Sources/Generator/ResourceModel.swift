import Core
import Foundation
import Intent

/// A resource as the generated store keeps it: safe names, and the fields its operations and behaviours need
/// ("filterable by category" implies a category field, "mark done" a done flag) added when the spec lacks them.
struct ResourceModel {
    let resource: Resource
    /// Singular, as the service's messages name one row.
    let one: String
    /// Table, database file (`data/<table>.db`) and the list's JSON key: "tasks".
    let table: String
    /// "/tasks".
    let path: String
    let fields: [Field]

    /// Names the store uses itself for this resource; a spec field with one of these is not stored.
    static func reserved(_ behaviours: [Behaviour]) -> Set<String> {
        var names: Set<String> = ["id", "created"]
        for b in behaviours {
            switch b {
            case .expiry: names.formUnion(["expires", "ttl"])
            case .shortCodes, .redirect: names.insert("code")
            case .documents: names.insert("data")
            default: break
            }
        }
        return names
    }

    init(_ resource: Resource) {
        self.resource = resource
        one = ResourceModel.identifier(resource.name)
        table = ResourceModel.identifier(Tokenizer.plural(resource.name))
        path = ServiceGenerator.collectionPath(resource)
        var fields: [Field] = []
        let reserved = ResourceModel.reserved(resource.behaviours)
        func add(_ f: Field) {
            var f = f
            f.name = ResourceModel.identifier(f.name)
            f.previousNames = f.previousNames.map(ResourceModel.identifier)
            guard !reserved.contains(f.name), !fields.contains(where: { $0.name == f.name }) else { return }
            fields.append(f)
        }
        for f in resource.fields { add(f) }
        for b in resource.behaviours {
            if case .toggle(let name) = b { add(Field(name, .boolean, default: .boolean(false))) }
        }
        for op in resource.operations {
            switch op {
            case .search(let name): add(Field(name))
            case .sum(let name): add(Field(name, .number))
            case .filter(let f), .count(.some(let f)): add(ResourceModel.implied(f))
            default: break
            }
        }
        if resource.behaviours.contains(where: { if case .redirect = $0 { true } else { false } }), !fields.contains(where: { $0.type == .url }) {
            add(Field("url", .url, required: true))
        }
        self.fields = fields
    }

    static func implied(_ filter: Filter) -> Field {
        switch filter {
        case .flag(let name, _): Field(name, .boolean, default: .boolean(false))
        case .compare(let name, _, _): Field(name, .number)
        case .byField(let name): Field(name)
        }
    }

    /// `[a-z0-9_]`, not starting with a digit: safe as a column, a table, a file name and a JSON key.
    /// "Start Date" → "start_date", "Price (USD)" → "price_usd", "2nd" → "f_2nd".
    static func identifier(_ s: String) -> String {
        var out = SlugText.words(s).joined(separator: "_")
        if out.isEmpty || out.first!.isNumber { out = "f_" + out }
        return String(out.prefix(60))
    }

    /// The TypeScript name of the store: `store_tasks`.
    var store: String { "store_" + table }

    var expiry: Double?? {
        for b in resource.behaviours { if case .expiry(let s) = b { return .some(s) } }
        return .none
    }

    var codeLength: Int {
        for b in resource.behaviours { if case .shortCodes(let n) = b { return min(max(n, 4), 32) } }
        return resource.behaviours.contains { if case .redirect = $0 { true } else { false } } ? 6 : 0
    }

    var documents: Bool { resource.behaviours.contains(.documents) }

    func field(_ name: String) -> Field? { fields.first { $0.name == ResourceModel.identifier(name) } }
}

/// Path segments for operations beyond CRUD: `/tasks/open`, `/books/rating-over-4`, `/tasks/count-done`.
enum RouteNames {
    /// The opposite of a flag, as people say it.
    static let negations = ["done": "open", "completed": "open", "complete": "open", "finished": "unfinished", "read": "unread",
                            "paid": "unpaid", "archived": "active", "watched": "unwatched", "checked": "unchecked", "active": "inactive"]

    static func slug(_ filter: Filter) -> String {
        switch filter {
        case .flag(let f, true): return dashed(f)
        case .flag(let f, false): return negations[f] ?? "not-" + dashed(f)
        case .compare(let f, let c, let v):
            let word = switch c {
            case .greater: "over"
            case .greaterOrEqual: "at-least"
            case .less: "under"
            case .lessOrEqual: "at-most"
            case .equal: "equal-to"
            case .notEqual: "not"
            }
            return "\(dashed(f))-\(word)-\(number(v))"
        case .byField(let f): return "by-" + dashed(f)
        }
    }

    static func dashed(_ s: String) -> String { ResourceModel.identifier(s).replacingOccurrences(of: "_", with: "-") }

    static func number(_ v: Double) -> String {
        let text = v.rounded() == v && abs(v) < 1e15 ? String(Int64(v)) : String(v)
        return text.hasPrefix("-") ? "minus-" + text.dropFirst() : text
    }

    /// "the open ones", "rating over 4": for descriptions.
    static func phrase(_ filter: Filter) -> String {
        switch filter {
        case .flag(let f, let on): on ? "\(f) is true" : "\(f) is false"
        case .compare(let f, let c, let v): "\(f) \(c.rawValue) \(number(v))"
        case .byField(let f): "by \(f)"
        }
    }
}
