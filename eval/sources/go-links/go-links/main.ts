// Go links: PUT /links/:name {url} names a URL; GET /go/:name redirects to it; GET /links lists them.
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
Deno.mkdirSync("data", { recursive: true });
const db = new DatabaseSync("data/golinks.db");
db.exec("CREATE TABLE IF NOT EXISTS links (name TEXT PRIMARY KEY, url TEXT NOT NULL, updated TEXT NOT NULL)");

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

const namePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname === "/links" && req.method === "GET") {
    return json({ links: db.prepare("SELECT name, url, updated FROM links ORDER BY name").all() });
  }
  let m = url.pathname.match(/^\/links\/([^/]+)$/);
  if (m) {
    const name = decodeURIComponent(m[1]).toLowerCase();
    if (!namePattern.test(name)) return error(400, "invalid_name", "Names are 1–63 of a-z, 0-9 and '-'.");
    if (req.method === "PUT") {
      const body = await req.json().catch(() => null);
      let target: URL;
      try {
        target = new URL(typeof body?.url === "string" ? body.url : "");
      } catch {
        return error(400, "invalid_url", 'Send {"url": "https://…"}.');
      }
      if (target.protocol !== "http:" && target.protocol !== "https:") return error(400, "invalid_url", "Only http(s) URLs.");
      db.prepare("INSERT INTO links (name, url, updated) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET url = excluded.url, updated = excluded.updated")
        .run(name, target.href, new Date().toISOString());
      return json({ name, url: target.href });
    }
    if (req.method === "DELETE") {
      const r = db.prepare("DELETE FROM links WHERE name = ?").run(name);
      return r.changes ? new Response(null, { status: 204 }) : error(404, "not_found", `No go link '${name}'.`);
    }
    if (req.method === "GET") {
      const row = db.prepare("SELECT name, url, updated FROM links WHERE name = ?").get(name);
      return row ? json(row) : error(404, "not_found", `No go link '${name}'.`);
    }
  }
  m = url.pathname.match(/^\/go\/([^/]+)$/);
  if (m && (req.method === "GET" || req.method === "HEAD")) {
    const name = decodeURIComponent(m[1]).toLowerCase();
    const row = db.prepare("SELECT url FROM links WHERE name = ?").get(name) as { url: string } | undefined;
    if (!row) return error(404, "not_found", `No go link '${name}'.`);
    return new Response(null, { status: 302, headers: { location: row.url } });
  }
  return error(404, "not_found", `No route ${req.method} ${url.pathname}.`);
});
