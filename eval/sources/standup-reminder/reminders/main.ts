// Reminders: POST /reminders {text} records one, GET /reminders lists them (newest last), DELETE /reminders/:id removes one.
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
Deno.mkdirSync("data", { recursive: true });
const db = new DatabaseSync("data/reminders.db");
db.exec("CREATE TABLE IF NOT EXISTS reminders (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL, created TEXT NOT NULL)");
// A workflow step retried with the same Idempotency-Key must not add a second reminder.
db.exec("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, id INTEGER NOT NULL)");

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname === "/reminders" && req.method === "GET") {
    return json({ reminders: db.prepare("SELECT id, text, created FROM reminders ORDER BY id").all() });
  }
  if (url.pathname === "/reminders" && req.method === "POST") {
    const body = await req.json().catch(() => null);
    if (typeof body?.text !== "string" || body.text.trim() === "" || body.text.length > 2000) {
      return error(400, "invalid_input", 'Send {"text": "..."} with 1 to 2000 characters.');
    }
    const key = req.headers.get("idempotency-key");
    const seen = key ? db.prepare("SELECT id FROM seen WHERE key = ?").get(key) as { id: number } | undefined : undefined;
    let id = seen?.id;
    if (id === undefined) {
      id = Number(db.prepare("INSERT INTO reminders (text, created) VALUES (?, ?)").run(body.text.trim(), new Date().toISOString()).lastInsertRowid);
      if (key) db.prepare("INSERT INTO seen (key, id) VALUES (?, ?)").run(key, id);
    }
    return json(db.prepare("SELECT id, text, created FROM reminders WHERE id = ?").get(id), seen ? 200 : 201);
  }
  const m = url.pathname.match(/^\/reminders\/(\d+)$/);
  if (m && req.method === "DELETE") {
    const r = db.prepare("DELETE FROM reminders WHERE id = ?").run(Number(m[1]));
    return r.changes ? new Response(null, { status: 204 }) : error(404, "not_found", `No reminder ${m[1]}.`);
  }
  return error(404, "not_found", `No route ${req.method} ${url.pathname}.`);
});
