// Notes: an action service. Deno built-ins only; state in ./data (the only place it may write).
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
const db = new DatabaseSync("data/notes.db");
db.exec("PRAGMA journal_mode = WAL");
db.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL, created TEXT NOT NULL)");
// A repeated request (the same Idempotency-Key, as a workflow run sends when it retries a step) adds nothing twice.
db.exec("CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, note_id INTEGER NOT NULL)");

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname === "/notes" && req.method === "GET") {
    return json({ notes: db.prepare("SELECT id, text, created FROM notes ORDER BY id DESC LIMIT 500").all() });
  }
  if (url.pathname === "/notes" && req.method === "POST") {
    const body = await req.json().catch(() => null);
    if (!body || typeof body.text !== "string" || body.text.trim() === "" || body.text.length > 10000) {
      return error(400, "invalid_input", 'Send {"text": "..."} with 1 to 10000 characters.');
    }
    const key = req.headers.get("idempotency-key");
    if (key) {
      const seen = db.prepare("SELECT note_id FROM idempotency WHERE key = ?").get(key) as { note_id: number } | undefined;
      if (seen) return json({ id: seen.note_id, text: body.text, replayed: true }, 200);
    }
    const result = db.prepare("INSERT INTO notes (text, created) VALUES (?, ?)").run(body.text, new Date().toISOString());
    const id = Number(result.lastInsertRowid);
    if (key) db.prepare("INSERT INTO idempotency (key, note_id) VALUES (?, ?)").run(key, id);
    return json({ id, text: body.text }, 201);
  }
  const match = url.pathname.match(/^\/notes\/(\d+)$/);
  if (match && req.method === "DELETE") {
    const result = db.prepare("DELETE FROM notes WHERE id = ?").run(Number(match[1]));
    return result.changes ? new Response(null, { status: 204 }) : error(404, "not_found", `No note ${match[1]}.`);
  }
  if (url.pathname === "/crash") Deno.exit(3); // lets tests see the supervisor restart it
  return error(404, "not_found", `No route ${req.method} ${url.pathname}. See GET /notes.`);
});
