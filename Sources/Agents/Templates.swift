import Core

/// The offline engine's service templates: each a main.ts and a service.json that pass `deno check`.
enum Templates {
    static let prelude = """
        const port = Number(Deno.env.get("PORT"));
        function json(body: unknown, status = 200): Response {
          return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
        }
        function fail(status: number, code: string, message: string): Response {
          return json({ error: { code, message } }, status);
        }
        async function body(req: Request): Promise<Record<string, unknown> | null> {
          try {
            const v = await req.json();
            return v && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : null;
          } catch {
            return null;
          }
        }

        """

    static func files(_ plan: Catalogue.Plan) -> (main: String, manifest: JSONValue) {
        switch plan.item {
        case .crud(let resource, let fields): crud(resource, fields)
        case .keyValue: keyValue()
        case .counter: counter()
        case .converter: converter()
        case .textTools: textTools()
        case .uptime(let url): uptime(url)
        case .webhook(let name): webhook(name, secret: Catalogue.secretName(plan.slug))
        case .fetch(let url): fetchJob(url)
        case .scheduleOnly: ("", [:])
        }
    }

    static func manifest(_ title: String, _ description: String, _ endpoints: [JSONValue], hosts: [String] = []) -> JSONValue {
        ["kind": "action", "title": .string(title), "description": .string(description), "endpoints": .array(endpoints),
         "secrets": [], "hosts": .array(hosts.map { .string($0) })]
    }

    static func endpoint(_ method: String, _ path: String, _ description: String, _ schema: JSONValue? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["method": .string(method), "path": .string(path), "description": .string(description)]
        if let schema { o["inputSchema"] = schema }
        return .object(o)
    }

    static func crud(_ resource: String, _ fields: [String]) -> (String, JSONValue) {
        let table = resource.replacingOccurrences(of: "-", with: "_")
        let columns = fields.map { "\($0) TEXT NOT NULL" }.joined(separator: ", ")
        let list = (["id"] + fields + ["created"]).joined(separator: ", ")
        let fieldList = "[" + fields.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        let code = prelude + """
            import { DatabaseSync } from "node:sqlite";
            const db = new DatabaseSync("data/\(table).db");
            db.exec("CREATE TABLE IF NOT EXISTS \(table) (id INTEGER PRIMARY KEY, \(columns), created TEXT NOT NULL)");
            const FIELDS = \(fieldList);

            function validate(input: Record<string, unknown> | null, partial: boolean): string | null {
              if (!input) return "send a JSON object";
              for (const f of FIELDS) {
                if (input[f] === undefined && partial) continue;
                if (typeof input[f] !== "string" || (input[f] as string).length > 10000) return `field '${f}' must be a string of at most 10000 characters`;
              }
              for (const k of Object.keys(input)) if (!FIELDS.includes(k)) return `unknown field '${k}'; fields: ${FIELDS.join(", ")}`;
              return null;
            }

            Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
              const url = new URL(req.url);
              if (url.pathname === "/health") return new Response("ok");
              if (url.pathname === "/\(resource)") {
                if (req.method === "GET") return json({ \(table): db.prepare("SELECT \(list) FROM \(table) ORDER BY id DESC LIMIT 1000").all() });
                if (req.method === "POST") {
                  const input = await body(req);
                  const problem = validate(input, false);
                  if (problem) return fail(400, "invalid_input", problem);
                  const r = db.prepare("INSERT INTO \(table) (\(fields.joined(separator: ", ")), created) VALUES (\(fields.map { _ in "?" }.joined(separator: ", ")), ?)")
                    .run(...FIELDS.map((f) => input![f] as string), new Date().toISOString());
                  return json(db.prepare("SELECT \(list) FROM \(table) WHERE id = ?").get(Number(r.lastInsertRowid)), 201);
                }
              }
              const m = url.pathname.match(/^\\/\(resource)\\/(\\d+)$/);
              if (m) {
                const id = Number(m[1]);
                const row = db.prepare("SELECT \(list) FROM \(table) WHERE id = ?").get(id);
                if (!row) return fail(404, "not_found", `no \(resource) ${id}`);
                if (req.method === "GET") return json(row);
                if (req.method === "PUT") {
                  const input = await body(req);
                  const problem = validate(input, true);
                  if (problem) return fail(400, "invalid_input", problem);
                  for (const f of FIELDS) if (input![f] !== undefined) db.prepare(`UPDATE \(table) SET ${f} = ? WHERE id = ?`).run(input![f] as string, id);
                  return json(db.prepare("SELECT \(list) FROM \(table) WHERE id = ?").get(id));
                }
                if (req.method === "DELETE") {
                  db.prepare("DELETE FROM \(table) WHERE id = ?").run(id);
                  return new Response(null, { status: 204 });
                }
              }
              return fail(404, "not_found", `no route ${req.method} ${url.pathname}`);
            });
            """
        let props: [String: JSONValue] = Dictionary(uniqueKeysWithValues: fields.map { ($0, ["type": "string", "maxLength": 10000] as JSONValue) })
        let schema: JSONValue = ["type": "object", "properties": .object(props), "required": .array(fields.map { .string($0) }), "additionalProperties": false]
        return (code, manifest("\(resource.capitalized) API", "CRUD over \(resource) with \(fields.joined(separator: ", ")), stored with node:sqlite.", [
            endpoint("GET", "/\(resource)", "List \(resource), newest first."),
            endpoint("POST", "/\(resource)", "Create one.", schema),
            endpoint("GET", "/\(resource)/:id", "Read one."),
            endpoint("PUT", "/\(resource)/:id", "Update fields of one."),
            endpoint("DELETE", "/\(resource)/:id", "Delete one."),
        ]))
    }

    static func keyValue() -> (String, JSONValue) {
        let code = prelude + """
            import { DatabaseSync } from "node:sqlite";
            const db = new DatabaseSync("data/kv.db");
            db.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated TEXT NOT NULL)");
            Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
              const url = new URL(req.url);
              if (url.pathname === "/health") return new Response("ok");
              if (url.pathname === "/keys" && req.method === "GET") return json({ keys: db.prepare("SELECT key FROM kv ORDER BY key").all().map((r) => (r as { key: string }).key) });
              const m = url.pathname.match(/^\\/kv\\/([A-Za-z0-9_.-]{1,200})$/);
              if (!m) return fail(404, "not_found", `no route ${req.method} ${url.pathname}`);
              const key = m[1];
              if (req.method === "GET") {
                const row = db.prepare("SELECT value FROM kv WHERE key = ?").get(key) as { value: string } | undefined;
                return row ? json({ key, value: JSON.parse(row.value) }) : fail(404, "not_found", `no key ${key}`);
              }
              if (req.method === "PUT") {
                const input = await body(req);
                if (!input || !("value" in input)) return fail(400, "invalid_input", 'send {"value": ...}');
                db.prepare("INSERT INTO kv (key, value, updated) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated = excluded.updated")
                  .run(key, JSON.stringify(input.value), new Date().toISOString());
                return json({ key, value: input.value });
              }
              if (req.method === "DELETE") {
                db.prepare("DELETE FROM kv WHERE key = ?").run(key);
                return new Response(null, { status: 204 });
              }
              return fail(405, "method_not_allowed", "GET, PUT or DELETE");
            });
            """
        return (code, manifest("Key-value store", "Stores JSON values by key (node:sqlite).", [
            endpoint("GET", "/keys", "List keys."),
            endpoint("GET", "/kv/:key", "Read a value."),
            endpoint("PUT", "/kv/:key", "Write a value.", ["type": "object", "properties": ["key": ["type": "string"], "value": [:]], "required": ["key", "value"]]),
            endpoint("DELETE", "/kv/:key", "Delete a value."),
        ]))
    }

    static func counter() -> (String, JSONValue) {
        let code = prelude + """
            import { DatabaseSync } from "node:sqlite";
            const db = new DatabaseSync("data/counter.db");
            db.exec("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            function read(name: string): number {
              return (db.prepare("SELECT value FROM counters WHERE name = ?").get(name) as { value: number } | undefined)?.value ?? 0;
            }
            Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
              const url = new URL(req.url);
              if (url.pathname === "/health") return new Response("ok");
              const m = url.pathname.match(/^\\/counter(?:\\/([A-Za-z0-9_-]{1,64}))?(\\/increment|\\/reset)?$/);
              if (!m) return fail(404, "not_found", `no route ${req.method} ${url.pathname}`);
              const name = m[1] ?? "default";
              if (req.method === "GET" && !m[2]) return json({ name, value: read(name) });
              if (req.method === "POST" && m[2] === "/increment") {
                const input = await body(req);
                const by = typeof input?.by === "number" ? input.by : 1;
                db.prepare("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value").run(name, by);
                return json({ name, value: read(name) });
              }
              if (req.method === "POST" && m[2] === "/reset") {
                db.prepare("DELETE FROM counters WHERE name = ?").run(name);
                return json({ name, value: 0 });
              }
              return fail(405, "method_not_allowed", "GET /counter/:name, POST /counter/:name/increment or /reset");
            });
            """
        return (code, manifest("Counter", "Named counters that persist.", [
            endpoint("GET", "/counter", "Read the default counter."),
            endpoint("GET", "/counter/:name", "Read a counter."),
            endpoint("POST", "/counter/:name/increment", "Add 1, or 'by'.", ["type": "object", "properties": ["name": ["type": "string"], "by": ["type": "integer"]], "required": ["name"]]),
            endpoint("POST", "/counter/:name/reset", "Back to 0."),
        ]))
    }

    static func converter() -> (String, JSONValue) {
        let code = prelude + """
            // A fixed table: lengths and masses to a base unit, and currencies to EUR (rates fixed when this was built).
            const UNITS: Record<string, [string, number]> = {
              m: ["length", 1], km: ["length", 1000], cm: ["length", 0.01], mi: ["length", 1609.344], ft: ["length", 0.3048], in: ["length", 0.0254],
              kg: ["mass", 1], g: ["mass", 0.001], lb: ["mass", 0.45359237], oz: ["mass", 0.028349523125],
              eur: ["currency", 1], usd: ["currency", 0.92], gbp: ["currency", 1.17], chf: ["currency", 1.05], jpy: ["currency", 0.0061],
            };
            function convert(value: number, from: string, to: string): number | string {
              if ((from === "c" || from === "f") && (to === "c" || to === "f")) return from === to ? value : from === "c" ? value * 9 / 5 + 32 : (value - 32) * 5 / 9;
              const a = UNITS[from], b = UNITS[to];
              if (!a || !b) return `unknown unit; known: c, f, ${Object.keys(UNITS).join(", ")}`;
              if (a[0] !== b[0]) return `cannot convert ${a[0]} to ${b[0]}`;
              return value * a[1] / b[1];
            }
            Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, (req) => {
              const url = new URL(req.url);
              if (url.pathname === "/health") return new Response("ok");
              if (url.pathname === "/units") return json({ units: ["c", "f", ...Object.keys(UNITS)] });
              if (url.pathname !== "/convert" || req.method !== "GET") return fail(404, "not_found", "GET /convert?value=&from=&to=");
              const value = Number(url.searchParams.get("value"));
              const from = (url.searchParams.get("from") ?? "").toLowerCase(), to = (url.searchParams.get("to") ?? "").toLowerCase();
              if (!Number.isFinite(value)) return fail(400, "invalid_input", "value must be a number");
              const result = convert(value, from, to);
              return typeof result === "string" ? fail(400, "invalid_input", result) : json({ value, from, to, result: Math.round(result * 1e6) / 1e6 });
            });
            """
        return (code, manifest("Converter", "Converts temperatures, lengths, masses and currencies with a fixed table.", [
            endpoint("GET", "/convert", "Convert ?value= from ?from= to ?to=.", ["type": "object", "properties": ["value": ["type": "number"], "from": ["type": "string"], "to": ["type": "string"]], "required": ["value", "from", "to"]]),
            endpoint("GET", "/units", "The units it knows."),
        ]))
    }

    static func textTools() -> (String, JSONValue) {
        let code = prelude + """
            function slugify(s: string): string {
              return s.normalize("NFKD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
            }
            Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
              const url = new URL(req.url);
              if (url.pathname === "/health") return new Response("ok");
              if (req.method !== "POST") return fail(404, "not_found", "POST /slugify, /case or /count with {\\"text\\": ...}");
              const input = await body(req);
              const text = input?.text;
              if (typeof text !== "string" || text.length > 100000) return fail(400, "invalid_input", 'send {"text": "..."} (at most 100000 characters)');
              if (url.pathname === "/slugify") return json({ slug: slugify(text) });
              if (url.pathname === "/case") {
                const to = input?.to ?? "upper";
                if (to === "upper") return json({ text: text.toUpperCase() });
                if (to === "lower") return json({ text: text.toLowerCase() });
                if (to === "title") return json({ text: text.toLowerCase().replace(/\\b\\p{L}/gu, (c) => c.toUpperCase()) });
                return fail(400, "invalid_input", "to must be upper, lower or title");
              }
              if (url.pathname === "/count") {
                const words = text.trim() === "" ? 0 : text.trim().split(/\\s+/).length;
                return json({ words, characters: text.length, lines: text === "" ? 0 : text.split("\\n").length });
              }
              return fail(404, "not_found", "POST /slugify, /case or /count");
            });
            """
        let textSchema: JSONValue = ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]]
        return (code, manifest("Text tools", "Slugify, change case, count words.", [
            endpoint("POST", "/slugify", "A URL slug of the text.", textSchema),
            endpoint("POST", "/case", "upper, lower or title case.", ["type": "object", "properties": ["text": ["type": "string"], "to": ["type": "string", "enum": ["upper", "lower", "title"]]], "required": ["text"]]),
            endpoint("POST", "/count", "Words, characters, lines.", textSchema),
        ]))
    }

    /// A trigger: validates a shared secret (a header, or an HMAC-SHA256 signature of the body) and notifies the platform.
    static func webhook(_ name: String, secret: String) -> (String, JSONValue) {
        let code = prelude + """
            const SECRET = Deno.env.get(\(JSONText.quote(secret))) ?? "";
            const NOTIFY = Deno.env.get("OPENPIECES_NOTIFY_URL") ?? "";
            const TOKEN = Deno.env.get("OPENPIECES_SERVICE_TOKEN") ?? "";
            const encoder = new TextEncoder();

            // Constant-time: the comparison must not leak the secret through timing.
            function equal(a: string, b: string): boolean {
              const x = encoder.encode(a), y = encoder.encode(b);
              let diff = x.length ^ y.length;
              for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
              return diff === 0;
            }

            async function signature(raw: ArrayBuffer): Promise<string> {
              const key = await crypto.subtle.importKey("raw", encoder.encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
              const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, raw));
              return "sha256=" + [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
            }

            Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
              const url = new URL(req.url);
              if (url.pathname === "/health") return new Response("ok");
              if (url.pathname !== "/webhook" || req.method !== "POST") return fail(404, "not_found", "POST /webhook only.");
              if (!SECRET) return fail(503, "not_configured", "The secret \(secret) is not set.");
              const raw = await req.arrayBuffer();
              if (raw.byteLength > 1_000_000) return fail(413, "too_large", "Payloads are limited to 1 MB.");
              const signed = req.headers.get("x-signature-256");
              const ok = signed !== null ? equal(signed, await signature(raw)) : equal(req.headers.get("x-webhook-secret") ?? "", SECRET);
              if (!ok) return fail(401, "unauthorized", "Send the secret in X-Webhook-Secret, or sign the body: X-Signature-256: sha256=<HMAC-SHA256 hex>.");
              let payload: unknown;
              try {
                payload = raw.byteLength ? JSON.parse(new TextDecoder().decode(raw)) : {};
              } catch {
                payload = { text: new TextDecoder().decode(raw) };
              }
              const event = \(JSONText.quote(name)) + "." + (req.headers.get("x-event") ?? "received");
              const headers: Record<string, string> = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };
              const key = req.headers.get("idempotency-key") ?? req.headers.get("x-delivery-id");
              if (key) headers["idempotency-key"] = key;
              try {
                const res = await fetch(NOTIFY, { method: "POST", headers, body: JSON.stringify({ event, payload }) });
                return json(await res.json().catch(() => ({})), res.status);
              } catch (e) {
                return fail(502, "platform_unreachable", (e as Error).message);
              }
            });
            """
        var m = manifest("Webhook: \(name)", "Receives \(name) webhooks, checks the shared secret \(secret), and starts its workflow.", [
            endpoint("POST", "/webhook", "Receive an event: JSON body, secret in X-Webhook-Secret or an X-Signature-256 HMAC; X-Event names it."),
        ])
        if case .object(var o) = m {
            o["kind"] = "trigger"
            o["secrets"] = [.string(secret)]
            m = .object(o)
        }
        return (code, m)
    }

    /// An action that fetches one URL when called and records each result: what a scheduled job calls.
    static func fetchJob(_ url: String) -> (String, JSONValue) {
        let host = URL(string: url)?.host ?? ""
        let port = URL(string: url)?.port
        let code = prelude + """
            import { DatabaseSync } from "node:sqlite";
            const TARGET = \(JSONText.quote(url));
            const db = new DatabaseSync("data/results.db");
            db.exec("CREATE TABLE IF NOT EXISTS results (id INTEGER PRIMARY KEY, at TEXT NOT NULL, ok INTEGER NOT NULL, status INTEGER, ms INTEGER, bytes INTEGER, excerpt TEXT, error TEXT)");
            Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
              const url = new URL(req.url);
              if (url.pathname === "/health") return new Response("ok");
              if (url.pathname === "/run" && req.method === "POST") {
                const started = performance.now();
                let r: { ok: boolean; status: number | null; bytes: number; excerpt: string; error: string | null };
                try {
                  const res = await fetch(TARGET, { signal: AbortSignal.timeout(15000) });
                  const text = await res.text();
                  r = { ok: res.status < 400, status: res.status, bytes: text.length, excerpt: text.slice(0, 500), error: null };
                } catch (e) {
                  r = { ok: false, status: null, bytes: 0, excerpt: "", error: (e as Error).message };
                }
                const ms = Math.round(performance.now() - started);
                const id = db.prepare("INSERT INTO results (at, ok, status, ms, bytes, excerpt, error) VALUES (?, ?, ?, ?, ?, ?, ?)")
                  .run(new Date().toISOString(), r.ok ? 1 : 0, r.status, ms, r.bytes, r.excerpt, r.error).lastInsertRowid;
                return json({ id: Number(id), target: TARGET, ms, ...r });
              }
              if (url.pathname === "/results" && req.method === "GET") {
                return json({ target: TARGET, results: db.prepare("SELECT id, at, ok, status, ms, bytes, excerpt, error FROM results ORDER BY id DESC LIMIT 200").all() });
              }
              return fail(404, "not_found", "POST /run or GET /results");
            });
            """
        return (code, manifest("Fetch \(host)", "Fetches \(url) each time it is run and records the result.", [
            endpoint("POST", "/run", "Fetch the URL now and record the result."),
            endpoint("GET", "/results", "Recent results."),
        ], hosts: [port.map { "\(host):\($0)" } ?? host]))
    }

    static func uptime(_ url: String) -> (String, JSONValue) {
        let host = URL(string: url)?.host ?? ""
        let port = URL(string: url)?.port
        let code = prelude + """
            import { DatabaseSync } from "node:sqlite";
            const TARGET = \(JSONText.quote(url));
            const db = new DatabaseSync("data/uptime.db");
            db.exec("CREATE TABLE IF NOT EXISTS checks (id INTEGER PRIMARY KEY, at TEXT NOT NULL, ok INTEGER NOT NULL, status INTEGER, ms INTEGER, error TEXT)");
            async function check() {
              const started = performance.now();
              try {
                const res = await fetch(TARGET, { signal: AbortSignal.timeout(10000) });
                await res.body?.cancel();
                return { ok: res.status < 400, status: res.status, ms: Math.round(performance.now() - started), error: null };
              } catch (e) {
                return { ok: false, status: null, ms: Math.round(performance.now() - started), error: (e as Error).message };
              }
            }
            Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
              const url = new URL(req.url);
              if (url.pathname === "/health") return new Response("ok");
              if (url.pathname === "/check" && req.method === "POST") {
                const r = await check();
                db.prepare("INSERT INTO checks (at, ok, status, ms, error) VALUES (?, ?, ?, ?, ?)").run(new Date().toISOString(), r.ok ? 1 : 0, r.status, r.ms, r.error);
                return json({ target: TARGET, ...r });
              }
              if (url.pathname === "/history" && req.method === "GET") {
                return json({ target: TARGET, checks: db.prepare("SELECT at, ok, status, ms, error FROM checks ORDER BY id DESC LIMIT 200").all() });
              }
              return fail(404, "not_found", "POST /check or GET /history");
            });
            """
        return (code, manifest("Uptime \(host)", "Checks \(url) on request and keeps the history.", [
            endpoint("POST", "/check", "Check the URL now and record the result."),
            endpoint("GET", "/history", "Recent checks."),
        ], hosts: [port.map { "\(host):\($0)" } ?? host]))
    }
}

import Foundation
