import Core
import Intent

/// A resource's routes over the typed store: CRUD as its operations ask, then toggles, filters, counts, searches,
/// sums and the redirect by short code.
enum ResourcePart {
    static func make(_ m: ResourceModel) -> Part {
        let r = m.resource
        var part = Part(code: "const \(m.store) = new Store(\(definition(m).text));\n", usesSQLite: true, summary: summary(m))
        let s = m.store, p = m.path, one = m.one
        let row = rowSchema(m)
        let list = Schema.list(m.table, of: row)
        let idOnly = Schema.object(["id": Schema.id], required: ["id"])
        let filters = queryProperties(m)
        let expiryNote = m.expiry != nil ? " Rows expire\(m.expiry!.map { " after \(RouteNames.number($0)) s" } ?? " when a write gives a `ttl`"); expired rows are never returned." : ""

        if r.operations.contains(.list) {
            part.route("GET", p, "(_req, _p, url) => json(\(s).list(url))",
                       "List \(m.table), newest first: {\(m.table), count} (count: all matching rows; at most 1000 returned, fewer with ?limit=). " +
                       "Filter by any field: ?field=value (booleans true/false).",
                       input: Schema.object(filters.merging(["limit": ["type": "integer", "minimum": 1, "maximum": 1000]]) { a, _ in a }), output: list)
        }
        if r.operations.contains(.create) {
            part.route("POST", p, "async (req) => json(\(s).create(await body(req)), 201)",
                       "Create a \(one): answers 201 with the row (id, fields, created\(m.codeLength > 0 ? ", code" : "")).\(expiryNote)" +
                       (m.documents ? " Fields beyond the typed ones are kept too." : " Unknown fields are refused."),
                       input: createSchema(m), output: row)
        }
        if r.operations.contains(.read) {
            part.route("GET", p + "/:id", "(_req, p) => json(\(s).read(p.id))", "Read one \(one) by id (404 if absent).", input: idOnly, output: row)
        }
        if r.operations.contains(.update) {
            for method in ["PUT", "PATCH"] {
                part.route(method, p + "/:id", "async (req, p) => json(\(s).update(p.id, await body(req)))",
                           "Update some fields of a \(one) (the others stay); answers the row.", input: updateSchema(m), output: row)
            }
        }
        if r.operations.contains(.delete) {
            part.route("DELETE", p + "/:id", "(_req, p) => {\n  \(s).remove(p.id);\n  return noContent();\n}", "Delete a \(one): 204, or 404 if absent.", input: idOnly)
        }
        for b in r.behaviours {
            guard case .toggle(let name) = b, let f = m.field(name) else { continue }
            let seg = RouteNames.dashed(f.name)
            part.route("POST", p + "/:id/" + seg, "(_req, p) => json(\(s).setFlag(p.id, \(JSONText.quote(f.name)), true))",
                       "Mark a \(one) \(f.name) (sets \(f.name) to true); answers the row.", input: idOnly, output: row)
            part.route("DELETE", p + "/:id/" + seg, "(_req, p) => json(\(s).setFlag(p.id, \(JSONText.quote(f.name)), false))",
                       "Clear \(f.name) of a \(one) (sets it to false); answers the row.", input: idOnly, output: row)
        }
        var used: Set<String> = []
        func segment(_ wanted: String) -> String {
            var name = wanted, n = 2
            while used.contains(name) { name = "\(wanted)-\(n)"; n += 1 }
            used.insert(name)
            return name
        }
        for op in r.operations {
            switch op {
            case .filter(.byField(let name)):
                guard let f = m.field(name) else { continue }
                let seg = segment("by-" + RouteNames.dashed(f.name))
                var input = filters
                input["value"] = ["type": "string", "maxLength": 200]
                part.route("GET", "\(p)/\(seg)/:value", "(_req, p, url) => json(\(s).list(url, [\(s).equal(\(JSONText.quote(f.name)), p.value)]))",
                           "List the \(m.table) whose \(f.name) equals the value, newest first.", input: Schema.object(input, required: ["value"]), output: list)
            case .filter(let filter):
                let seg = segment(RouteNames.slug(filter))
                part.route("GET", "\(p)/\(seg)", "(_req, _p, url) => json(\(s).list(url, [\(tsFilter(filter, m))]))",
                           "List the \(m.table) where \(RouteNames.phrase(filter)), newest first.", input: Schema.object(filters), output: list)
            case .count(let filter):
                let seg = segment(used.contains("count") ? "count-" + (filter.map(RouteNames.slug) ?? "all") : "count")
                let applied = filter.map { "[\(tsFilter($0, m))]" } ?? "[]"
                part.route("GET", "\(p)/\(seg)", "(_req, _p, url) => json({ count: \(s).count(\(applied), url.searchParams) })",
                           "How many \(m.table)" + (filter.map { " where \(RouteNames.phrase($0))" } ?? "") + " (query filters ?field=value apply too).",
                           input: Schema.object(filters), output: Schema.object(["count": Schema.integer], required: ["count"], closed: false))
            case .search(let name):
                guard let f = m.field(name) else { continue }
                let seg = segment(used.contains("search") ? "search-" + RouteNames.dashed(f.name) : "search")
                var input = filters
                input["q"] = ["type": "string", "minLength": 1, "maxLength": 200]
                part.route("GET", "\(p)/\(seg)", "(_req, _p, url) => json(\(s).search(\(JSONText.quote(f.name)), url))",
                           "Search \(m.table) whose \(f.name) contains ?q= (case-insensitive), newest first.",
                           input: Schema.object(input, required: ["q"]), output: list)
            case .sum(let name):
                guard let f = m.field(name) else { continue }
                let seg = segment(used.contains("sum") ? "sum-" + RouteNames.dashed(f.name) : "sum")
                part.route("GET", "\(p)/\(seg)", "(_req, _p, url) => json({ field: \(JSONText.quote(f.name)), sum: \(s).sum(\(JSONText.quote(f.name)), url.searchParams) })",
                           "The sum of \(f.name) over the \(m.table) (query filters ?field=value apply).",
                           input: Schema.object(filters),
                           output: Schema.object(["field": Schema.string, "sum": Schema.number], required: ["field", "sum"], closed: false))
            default:
                break
            }
        }
        return part
    }

    /// `GET /:code`: at most one resource of a service owns the root.
    static func redirect(_ m: ResourceModel, status: Int) -> Part? {
        guard let target = m.fields.first(where: { $0.type == .url }) else { return nil }
        let status = [301, 302, 303, 307, 308].contains(status) ? status : 302
        var part = Part(code: "", summary: "GET /:code redirects (\(status)) to the \(m.one)'s \(target.name)")
        part.route("GET", "/:code", "(_req, p) => \(m.store).redirect(p.code, \(JSONText.quote(target.name)), \(status))",
                   "Redirect (\(status), Location = the \(target.name)) to the \(m.one) with this short code; 404 if none.",
                   input: Schema.object(["code": ["type": "string", "maxLength": 200]], required: ["code"]))
        return part
    }

    static func tsFilter(_ filter: Filter, _ m: ResourceModel) -> String {
        let o: JSONValue = switch filter {
        case .flag(let f, let on): ["field": .string(ResourceModel.identifier(f)), "op": "=", "value": .bool(on)]
        case .compare(let f, let c, let v): ["field": .string(ResourceModel.identifier(f)), "op": .string(c.rawValue), "value": .number(v)]
        case .byField(let f): ["field": .string(ResourceModel.identifier(f)), "op": "!=", "value": .null]
        }
        // JSON's `=` comparator is SQL's; `==` never reaches here.
        return o.text
    }

    static func definition(_ m: ResourceModel) -> JSONValue {
        let fields: [JSONValue] = m.fields.map { f in
            ["name": .string(f.name), "type": .string(f.type.rawValue), "required": .bool(f.required),
             "fallback": f.defaultValue?.json ?? .null, "previous": .array(f.previousNames.map { .string($0) })]
        }
        let lifetime: JSONValue = (m.expiry ?? nil).map { .number($0) } ?? .null
        return ["one": .string(m.one), "table": .string(m.table), "fields": .array(fields), "documents": .bool(m.documents),
                "expires": .bool(m.expiry != nil), "lifetime": lifetime, "codeLength": JSONValue(m.codeLength)]
    }

    static func rowSchema(_ m: ResourceModel) -> JSONValue {
        var props: [String: JSONValue] = ["id": Schema.integer, "created": Schema.string]
        for f in m.fields { props[f.name] = Schema.field(f, nullable: !f.required) }
        if m.codeLength > 0 { props["code"] = Schema.string }
        if m.expiry != nil { props["expires"] = ["type": ["string", "null"]] }
        return Schema.object(props, required: ["id", "created"] + m.fields.map(\.name), closed: false)
    }

    static func createSchema(_ m: ResourceModel) -> JSONValue {
        var props: [String: JSONValue] = [:]
        for f in m.fields { props[f.name] = Schema.field(f, nullable: !f.required) }
        if m.expiry != nil { props["ttl"] = ["type": "number", "exclusiveMinimum": 0, "maximum": 315_360_000] }
        return Schema.object(props, required: m.fields.filter(\.required).map(\.name), closed: !m.documents)
    }

    static func updateSchema(_ m: ResourceModel) -> JSONValue {
        var props: [String: JSONValue] = ["id": Schema.id]
        for f in m.fields { props[f.name] = Schema.field(f, nullable: !f.required) }
        if m.expiry != nil { props["ttl"] = ["type": "number", "exclusiveMinimum": 0, "maximum": 315_360_000] }
        return Schema.object(props, required: ["id"], closed: !m.documents)
    }

    /// `?field=value` filters a list, count or sum takes, typed as the field is.
    static func queryProperties(_ m: ResourceModel) -> [String: JSONValue] {
        var props: [String: JSONValue] = [:]
        for f in m.fields {
            props[f.name] = Schema.field(Field(f.name, f.type), nullable: false)
        }
        return props
    }

    static func summary(_ m: ResourceModel) -> String {
        var s = "\(m.table) (\(m.fields.map { $0.name + ($0.required ? "*" : "") }.joined(separator: ", ")))"
        var extras: [String] = []
        for b in m.resource.behaviours {
            switch b {
            case .toggle(let f): extras.append("mark \(f)")
            case .expiry(let t): extras.append(t.map { "rows expire after \(RouteNames.number($0)) s" } ?? "rows expire after their ttl")
            case .shortCodes(let n): extras.append("\(n)-character short codes")
            case .documents: extras.append("extra fields kept")
            default: break
            }
        }
        for op in m.resource.operations {
            switch op {
            case .count(let f): extras.append("count" + (f.map { " where \(RouteNames.phrase($0))" } ?? ""))
            case .filter(.byField(let f)): extras.append("list by \(f)")
            case .filter(let f): extras.append("list where \(RouteNames.phrase(f))")
            case .search(let f): extras.append("search by \(f)")
            case .sum(let f): extras.append("sum of \(f)")
            default: break
            }
        }
        if !extras.isEmpty { s += ": " + extras.joined(separator: ", ") }
        return s
    }
}
