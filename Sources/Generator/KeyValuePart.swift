import Core
import Intent

/// JSON values by key (`data/kv.db`, the table earlier versions used, gaining an `expires` column). With a lifetime,
/// a write's `ttl` is optional and defaults to it; without one, a write without `ttl` is kept until deleted.
enum KeyValuePart {
    static func make(lifetime: Double??) -> Part {
        let seconds: Double? = lifetime ?? nil
        var part = Part(code: """
            const kvDB = new DatabaseSync("data/kv.db");
            kvDB.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated TEXT NOT NULL)");
            addColumns(kvDB, "kv", [["expires", "TEXT"]]);
            const KV_LIFETIME: number | null = \(seconds.map { JSONValue.number($0).text } ?? "null");

            """ + #"""
            function kvKey(p: Params): string {
              if (!/^[A-Za-z0-9_.:@-]{1,200}$/.test(p.key)) throw invalid("a key is 1 to 200 letters, digits or . _ - : @");
              return p.key;
            }
            function kvSweep(): void {
              kvDB.prepare("DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?").run(now());
            }
            setInterval(kvSweep, 10000);
            function kvGet(p: Params): Response {
              const key = kvKey(p);
              const row = kvDB.prepare("SELECT value, expires FROM kv WHERE key = ? AND (expires IS NULL OR expires > ?)").get(key, now()) as
                { value: string; expires: string | null } | undefined;
              if (!row) throw notFound(`no key ${key}${KV_LIFETIME !== null ? " (or it expired)" : ""}`);
              return json({ key, value: JSON.parse(row.value), expires: row.expires });
            }
            async function kvPut(req: Request, p: Params): Promise<Response> {
              const key = kvKey(p);
              const input = await body(req);
              if (!("value" in input)) throw invalid('send {"value": ..., "ttl": seconds (optional)}');
              const text = JSON.stringify(input.value);
              if (text.length > 100000) throw invalid("a value is limited to 100000 characters of JSON");
              const ttl = input.ttl ?? KV_LIFETIME;
              if (ttl !== null && (typeof ttl !== "number" || !(ttl > 0) || ttl > 315360000)) throw invalid("'ttl' must be a number of seconds, more than 0");
              const expires = ttl === null ? null : new Date(Date.now() + (ttl as number) * 1000).toISOString();
              kvDB.prepare("INSERT INTO kv (key, value, updated, expires) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated = excluded.updated, expires = excluded.expires")
                .run(key, text, now(), expires);
              return json({ key, value: input.value, expires });
            }
            function kvDelete(p: Params): Response {
              const key = kvKey(p);
              if (kvDB.prepare("DELETE FROM kv WHERE key = ? AND (expires IS NULL OR expires > ?)").run(key, now()).changes === 0) throw notFound(`no key ${key}`);
              return noContent();
            }
            function kvKeys(): Response {
              const keys = (kvDB.prepare("SELECT key FROM kv WHERE expires IS NULL OR expires > ? ORDER BY key LIMIT 1000").all(now()) as { key: string }[]).map((r) => r.key);
              return json({ keys, count: keys.length });
            }

            """#, usesSQLite: true,
            summary: "JSON values by key" + (seconds.map { ", expiring after \(RouteNames.number($0)) s unless a write gives its own ttl" }
                ?? (lifetime != nil ? ", expiring after the ttl a write gives" : "")))
        let key: JSONValue = ["type": "string", "pattern": "^[A-Za-z0-9_.:@-]{1,200}$"]
        let entry = Schema.object(["key": Schema.string, "value": Schema.anything, "expires": ["type": ["string", "null"]]], required: ["key", "value"], closed: false)
        part.route("GET", "/keys", "() => kvKeys()", "List the keys (at most 1000), expired ones left out.",
                   output: Schema.object(["keys": ["type": "array", "items": Schema.string], "count": Schema.integer], required: ["keys", "count"], closed: false))
        part.route("GET", "/kv/:key", "(_req, p) => kvGet(p)", "Read a value: {key, value, expires}; 404 when absent or expired.",
                   input: Schema.object(["key": key], required: ["key"]), output: entry)
        let ttlNote = seconds.map { " 'ttl' (seconds) is optional: \(RouteNames.number($0)) by default." } ?? " 'ttl' (seconds) is optional: without it the value is kept until deleted."
        part.route("PUT", "/kv/:key", "(req, p) => kvPut(req, p)", "Write a value (any JSON).\(ttlNote)",
                   input: Schema.object(["key": key, "value": Schema.anything, "ttl": ["type": "number", "exclusiveMinimum": 0, "maximum": 315_360_000]],
                                        required: ["key", "value"]), output: entry)
        part.route("DELETE", "/kv/:key", "(_req, p) => kvDelete(p)", "Delete a value: 204, or 404 if absent.", input: Schema.object(["key": key], required: ["key"]))
        return part
    }
}
