import Core

/// How checks read JSON answers: subsets, objects anywhere, lists, captured values, declared input fields.
extension EvalChecks {
    /// The property names of an endpoint's declared input schema.
    static func inputFields(_ service: JSONValue, _ e: (method: String, path: String)) -> [String] {
        let declared = (service["endpoints"]?.array ?? []).first { $0["method"]?.string == e.method && $0["path"]?.string == e.path }
        return (declared?["inputSchema"]?["properties"]?.object ?? [:]).keys.sorted()
    }

    /// A body key written `*url` stands for the endpoint's own field whose name holds "url" (`longUrl`, `target_url`…),
    /// so a request phrased loosely ("POST a long url") does not dictate the field's name; `url` when none is declared.
    static func resolveFields(_ body: JSONValue, declared: [String]) -> JSONValue {
        guard case .object(var o) = body else { return body }
        for key in o.keys where key.hasPrefix("*") {
            let want = String(key.dropFirst()).lowercased()
            let name = declared.first { $0.lowercased() == want } ?? declared.first { $0.lowercased().contains(want) } ?? want
            o[name] = o.removeValue(forKey: key)
        }
        return .object(o)
    }

    static func capture(_ json: JSONValue?, _ path: String, sent: JSONValue?) -> String? {
        guard let json else { return nil }
        // A URL the service made, not one echoed back from the request.
        if path == "$url" { return firstURL(json, except: Set(strings(sent))) }
        var v: JSONValue? = json
        for key in path.split(separator: ".") {
            if let i = Int(key), let a = v?.array { v = i < a.count ? a[i] : nil } else { v = v?[String(key)] }
        }
        guard let v else { return nil }
        return v.string ?? (v.isNull ? nil : v.text)
    }

    static func firstURL(_ v: JSONValue, except: Set<String>) -> String? {
        switch v {
        case .string(let s): return (s.hasPrefix("http://") || s.hasPrefix("https://")) && !except.contains(s) ? s : nil
        case .array(let a): return a.lazy.compactMap { firstURL($0, except: except) }.first
        case .object(let o): return o.keys.sorted().lazy.compactMap { firstURL(o[$0]!, except: except) }.first
        default: return nil
        }
    }

    static func strings(_ v: JSONValue?) -> [String] {
        switch v {
        case .string(let s): [s]
        case .array(let a): a.flatMap(strings)
        case .object(let o): o.values.flatMap(strings)
        default: []
        }
    }

    /// `subset` ⊆ `v`: objects by key, lists item by item in order, numbers by value.
    static func contains(_ v: JSONValue?, _ subset: JSONValue) -> Bool {
        guard let v else { return false }
        switch (v, subset) {
        case (.object(let o), .object(let s)): return s.allSatisfy { k, sv in contains(o[k], sv) }
        case (.array(let a), .array(let s)): return a.count >= s.count && zip(a, s).allSatisfy { contains($0, $1) }
        default: return v == subset
        }
    }

    static func anywhere(_ v: JSONValue?, _ subset: JSONValue) -> Bool {
        guard let v else { return false }
        if contains(v, subset) { return true }
        switch v {
        case .array(let a): return a.contains { anywhere($0, subset) }
        case .object(let o): return o.values.contains { anywhere($0, subset) }
        default: return false
        }
    }

    static func list(_ v: JSONValue?) -> [JSONValue]? {
        if let a = v?.array { return a }
        let lists = (v?.object ?? [:]).values.compactMap(\.array)
        return lists.count == 1 ? lists[0] : nil
    }
}
