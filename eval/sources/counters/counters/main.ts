// Named counters: POST /counters/:name/increment (by 1 or {by}), GET /counters/:name, DELETE /counters/:name resets.
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
Deno.mkdirSync("data", { recursive: true });
const db = new DatabaseSync("data/counters.db");
db.exec("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

function value(name: string): number {
  const row = db.prepare("SELECT value FROM counters WHERE name = ?").get(name) as { value: number } | undefined;
  return row?.value ?? 0;
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname === "/counters" && req.method === "GET") {
    return json({ counters: db.prepare("SELECT name, value FROM counters ORDER BY name").all() });
  }
  const m = url.pathname.match(/^\/counters\/([a-zA-Z0-9_-]{1,64})(\/increment)?$/);
  if (!m) return error(404, "not_found", `No route ${req.method} ${url.pathname}.`);
  const name = m[1];
  if (m[2] && req.method === "POST") {
    const text = await req.text();
    let by = 1;
    if (text.trim() !== "") {
      const body = (() => { try { return JSON.parse(text); } catch { return null; } })();
      if (!body || (body.by !== undefined && !Number.isInteger(body.by))) return error(400, "invalid_input", "'by' must be an integer.");
      by = body.by ?? 1;
    }
    db.prepare("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value").run(name, by);
    return json({ name, value: value(name) });
  }
  if (!m[2] && req.method === "GET") return json({ name, value: value(name) });
  if (!m[2] && req.method === "DELETE") {
    db.prepare("DELETE FROM counters WHERE name = ?").run(name);
    return json({ name, value: 0 });
  }
  return error(405, "method_not_allowed", "POST /counters/:name/increment, GET or DELETE /counters/:name.");
});
