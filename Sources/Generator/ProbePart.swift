import Core
import Foundation
import Intent

/// Parts that reach one outside URL: an uptime check (`POST /check`, `GET /history`, `data/uptime.db`) and a fetch
/// job (`POST /run`, `GET /results`, `data/results.db`), as earlier versions answered. Each declares the URL's host.
enum ProbePart {
    static func host(_ url: String) -> String? {
        guard let u = URL(string: url), let h = u.host, !h.isEmpty else { return nil }
        return u.port.map { "\(h):\($0)" } ?? h
    }

    static func check(_ url: String) -> Part {
        var part = Part(code: "const CHECK_TARGET = \(JSONText.quote(url));\n" + #"""
            const uptimeDB = new DatabaseSync("data/uptime.db");
            uptimeDB.exec("CREATE TABLE IF NOT EXISTS checks (id INTEGER PRIMARY KEY, at TEXT NOT NULL, ok INTEGER NOT NULL, status INTEGER, ms INTEGER, error TEXT)");
            async function runCheck(): Promise<Response> {
              const started = performance.now();
              let r: { ok: boolean; status: number | null; ms: number; error: string | null };
              try {
                const res = await fetch(CHECK_TARGET, { signal: AbortSignal.timeout(10000) });
                await res.body?.cancel();
                r = { ok: res.status < 400, status: res.status, ms: Math.round(performance.now() - started), error: null };
              } catch (e) {
                r = { ok: false, status: null, ms: Math.round(performance.now() - started), error: (e as Error).message };
              }
              uptimeDB.prepare("INSERT INTO checks (at, ok, status, ms, error) VALUES (?, ?, ?, ?, ?)").run(now(), r.ok ? 1 : 0, r.status, r.ms, r.error);
              return json({ target: CHECK_TARGET, ...r });
            }
            function checkHistory(): Response {
              const checks = (uptimeDB.prepare("SELECT at, ok, status, ms, error FROM checks ORDER BY id DESC LIMIT 200").all() as Row[])
                .map((c) => ({ ...c, ok: c.ok === 1 }));
              return json({ target: CHECK_TARGET, checks });
            }

            """#, usesSQLite: true, hosts: host(url).map { [$0] } ?? [], summary: "checks \(url) and keeps the history")
        let result: [String: JSONValue] = ["ok": Schema.boolean, "status": ["type": ["integer", "null"]], "ms": Schema.integer, "error": ["type": ["string", "null"]]]
        part.route("POST", "/check", "() => runCheck()", "Check the URL now and record the result: {target, ok, status, ms, error}.",
                   output: Schema.object(result.merging(["target": Schema.string]) { a, _ in a }, required: ["target", "ok"], closed: false))
        part.route("GET", "/history", "() => checkHistory()", "The last 200 checks, newest first.",
                   output: Schema.object(["target": Schema.string, "checks": ["type": "array", "items": Schema.object(result.merging(["at": Schema.string]) { a, _ in a }, closed: false)]],
                                         required: ["target", "checks"], closed: false))
        return part
    }

    static func fetch(_ url: String) -> Part {
        var part = Part(code: "const FETCH_TARGET = \(JSONText.quote(url));\n" + #"""
            const resultsDB = new DatabaseSync("data/results.db");
            resultsDB.exec("CREATE TABLE IF NOT EXISTS results (id INTEGER PRIMARY KEY, at TEXT NOT NULL, ok INTEGER NOT NULL, status INTEGER, ms INTEGER, bytes INTEGER, excerpt TEXT, error TEXT)");
            async function runFetch(): Promise<Response> {
              const started = performance.now();
              let r: { ok: boolean; status: number | null; bytes: number; excerpt: string; error: string | null };
              try {
                const res = await fetch(FETCH_TARGET, { signal: AbortSignal.timeout(15000) });
                const text = await res.text();
                r = { ok: res.status < 400, status: res.status, bytes: text.length, excerpt: text.slice(0, 500), error: null };
              } catch (e) {
                r = { ok: false, status: null, bytes: 0, excerpt: "", error: (e as Error).message };
              }
              const ms = Math.round(performance.now() - started);
              const id = resultsDB.prepare("INSERT INTO results (at, ok, status, ms, bytes, excerpt, error) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .run(now(), r.ok ? 1 : 0, r.status, ms, r.bytes, r.excerpt, r.error).lastInsertRowid;
              return json({ id: Number(id), target: FETCH_TARGET, ms, ...r });
            }
            function fetchResults(): Response {
              const results = (resultsDB.prepare("SELECT id, at, ok, status, ms, bytes, excerpt, error FROM results ORDER BY id DESC LIMIT 200").all() as Row[])
                .map((r) => ({ ...r, ok: r.ok === 1 }));
              return json({ target: FETCH_TARGET, results });
            }

            """#, usesSQLite: true, hosts: host(url).map { [$0] } ?? [], summary: "fetches \(url) when run and records each answer")
        let result: [String: JSONValue] = ["ok": Schema.boolean, "status": ["type": ["integer", "null"]], "ms": Schema.integer, "bytes": Schema.integer,
                                           "excerpt": Schema.string, "error": ["type": ["string", "null"]]]
        part.route("POST", "/run", "() => runFetch()", "Fetch the URL now and record the result: {id, target, ok, status, ms, bytes, excerpt, error}.",
                   output: Schema.object(result.merging(["id": Schema.integer, "target": Schema.string]) { a, _ in a }, required: ["id", "ok"], closed: false))
        part.route("GET", "/results", "() => fetchResults()", "The last 200 results, newest first.",
                   output: Schema.object(["target": Schema.string, "results": ["type": "array", "items": Schema.object(result, closed: false)]],
                                         required: ["target", "results"], closed: false))
        return part
    }
}
