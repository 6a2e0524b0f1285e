// Notes: POST /notes {text} adds a note, GET /notes lists them. SQLite under data/.
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
Deno.mkdirSync("data", { recursive: true });
const db = new DatabaseSync("data/notes.db");
db.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL, created TEXT NOT NULL)");

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname === "/notes" && req.method === "GET") {
    return json({ notes: db.prepare("SELECT id, text, created FROM notes ORDER BY id").all() });
  }
  if (url.pathname === "/notes" && req.method === "POST") {
    const body = await req.json().catch(() => null);
    if (typeof body?.text !== "string" || body.text.trim() === "" || body.text.length > 10000) {
      return error(400, "invalid_input", 'Send {"text": "..."} with 1 to 10000 characters.');
    }
    const r = db.prepare("INSERT INTO notes (text, created) VALUES (?, ?)").run(body.text, new Date().toISOString());
    return json(db.prepare("SELECT id, text, created FROM notes WHERE id = ?").get(Number(r.lastInsertRowid)), 201);
  }
  return error(404, "not_found", `No route ${req.method} ${url.pathname}.`);
});
