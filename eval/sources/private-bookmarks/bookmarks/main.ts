// Private bookmarks: every route but /health needs X-API-Key equal to the secret BOOKMARKS_API_KEY.
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
const apiKey = Deno.env.get("BOOKMARKS_API_KEY") ?? "";
Deno.mkdirSync("data", { recursive: true });
const db = new DatabaseSync("data/bookmarks.db");
db.exec("CREATE TABLE IF NOT EXISTS bookmarks (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL, title TEXT NOT NULL, created TEXT NOT NULL)");

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

// Constant-time comparison of the presented key: no timing hints about the secret.
function sameKey(given: string): boolean {
  const a = new TextEncoder().encode(given), b = new TextEncoder().encode(apiKey);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i];
  return apiKey !== "" && diff === 0;
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (!sameKey(req.headers.get("x-api-key") ?? "")) return error(401, "unauthorized", "Send the X-API-Key header.");
  if (url.pathname === "/bookmarks" && req.method === "GET") {
    return json({ bookmarks: db.prepare("SELECT id, url, title, created FROM bookmarks ORDER BY id").all() });
  }
  if (url.pathname === "/bookmarks" && req.method === "POST") {
    const body = await req.json().catch(() => null);
    try {
      new URL(typeof body?.url === "string" ? body.url : "");
    } catch {
      return error(400, "invalid_url", 'Send {"url": "https://…", "title": "..."}.');
    }
    const title = typeof body.title === "string" && body.title.trim() ? body.title.trim() : body.url;
    const r = db.prepare("INSERT INTO bookmarks (url, title, created) VALUES (?, ?, ?)").run(body.url, title, new Date().toISOString());
    return json(db.prepare("SELECT id, url, title, created FROM bookmarks WHERE id = ?").get(Number(r.lastInsertRowid)), 201);
  }
  const m = url.pathname.match(/^\/bookmarks\/(\d+)$/);
  if (m && req.method === "DELETE") {
    const r = db.prepare("DELETE FROM bookmarks WHERE id = ?").run(Number(m[1]));
    return r.changes ? new Response(null, { status: 204 }) : error(404, "not_found", `No bookmark ${m[1]}.`);
  }
  return error(404, "not_found", `No route ${req.method} ${url.pathname}.`);
});
