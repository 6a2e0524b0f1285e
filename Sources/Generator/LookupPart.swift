import Core
import Intent

/// A lookup table read by key. Entries given in the request are fixed in the code; with none, the table is kept in
/// `data/lookup.db` and filled with `PUT /lookup/:key` (and emptied with `DELETE`).
enum LookupPart {
    static func make(key: String, value: String, entries: [LookupEntry]) -> Part {
        let keyName = key.replacingOccurrences(of: "_", with: " "), valueName = value.replacingOccurrences(of: "_", with: " ")
        let keyParam: JSONValue
        var part: Part
        let entry = Schema.object(["key": Schema.string, "value": Schema.string], required: ["key", "value"], closed: false)
        if entries.isEmpty {
            keyParam = ["type": "string", "minLength": 1, "maxLength": 200]
            part = Part(code: #"""
                const lookupDB = new DatabaseSync("data/lookup.db");
                lookupDB.exec("CREATE TABLE IF NOT EXISTS lookup (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                function lookupAll(): Response {
                  const entries = lookupDB.prepare("SELECT key, value FROM lookup ORDER BY key LIMIT 1000").all();
                  return json({ entries, count: entries.length });
                }
                function lookupOne(p: Params): Response {
                  const row = lookupDB.prepare("SELECT key, value FROM lookup WHERE key = ?").get(p.key) ??
                    lookupDB.prepare("SELECT key, value FROM lookup WHERE lower(key) = lower(?)").get(p.key);
                  if (!row) throw notFound(`no entry ${p.key}; PUT /lookup/${p.key} {"value": "..."} adds it`);
                  return json(row);
                }
                async function lookupPut(req: Request, p: Params): Promise<Response> {
                  const v = (await body(req)).value;
                  if (typeof v !== "string" || v.length > MAX_TEXT) throw invalid(`send {"value": "..."}, at most ${MAX_TEXT} characters`);
                  if (p.key.length > 200) throw invalid("a key is at most 200 characters");
                  lookupDB.prepare("INSERT INTO lookup (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(p.key, v);
                  return json({ key: p.key, value: v });
                }
                function lookupDelete(p: Params): Response {
                  if (lookupDB.prepare("DELETE FROM lookup WHERE key = ?").run(p.key).changes === 0) throw notFound(`no entry ${p.key}`);
                  return noContent();
                }

                """#, usesSQLite: true, summary: "a lookup table from \(keyName) to \(valueName), filled by PUT /lookup/:key")
        } else {
            var seen: Set<String> = []
            let unique = entries.filter { seen.insert($0.key).inserted }
            keyParam = ["type": "string", "minLength": 1, "maxLength": 200, "examples": [.string(unique[0].key)]]
            let pairs = JSONValue.array(unique.map { .array([.string($0.key), .string($0.value)]) })
            part = Part(code: """
                const LOOKUP = new Map<string, string>(\(pairs.text) as [string, string][]);

                """ + #"""
                function lookupAll(): Response {
                  const entries = [...LOOKUP].map(([key, value]) => ({ key, value }));
                  return json({ entries, count: entries.length });
                }
                function lookupOne(p: Params): Response {
                  const key = LOOKUP.has(p.key) ? p.key : [...LOOKUP.keys()].find((k) => k.toLowerCase() === p.key.toLowerCase());
                  if (key === undefined) throw notFound(`no entry ${p.key}; known: ${[...LOOKUP.keys()].join(", ")}`);
                  return json({ key, value: LOOKUP.get(key) });
                }

                """#, summary: "a fixed lookup table from \(keyName) to \(valueName) (\(unique.count) entries)")
        }
        part.route("GET", "/lookup", "() => lookupAll()", "Every entry, \(keyName) → \(valueName): {entries: [{key, value}], count}.",
                   output: Schema.object(["entries": ["type": "array", "items": entry], "count": Schema.integer], required: ["entries", "count"], closed: false))
        part.route("GET", "/lookup/:key", "(_req, p) => lookupOne(p)", "The \(valueName) for one \(keyName) (case-insensitive): {key, value}; 404 if unknown.",
                   input: Schema.object(["key": keyParam], required: ["key"]), output: entry)
        if entries.isEmpty {
            part.route("PUT", "/lookup/:key", "(req, p) => lookupPut(req, p)", "Set the \(valueName) for a \(keyName): {\"value\": \"...\"}.",
                       input: Schema.object(["key": keyParam, "value": Schema.text(max: 10000)], required: ["key", "value"]), output: entry)
            part.route("DELETE", "/lookup/:key", "(_req, p) => lookupDelete(p)", "Remove an entry: 204, or 404 if absent.",
                       input: Schema.object(["key": keyParam], required: ["key"]))
        }
        return part
    }
}
