// Notes: create, list, read, update and delete notes (title, body), kept in SQLite under data/.
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
Deno.mkdirSync("data", { recursive: true });
const db = new DatabaseSync("data/notes.db");
db.exec(`CREATE TABLE IF NOT EXISTS notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, body TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, updated TEXT NOT NULL)`);

type Note = { id: number; title: string; body: string; created: string; updated: string };

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

function find(id: number): Note | undefined {
  return db.prepare("SELECT * FROM notes WHERE id = ?").get(id) as Note | undefined;
}

function valid(body: Record<string, unknown> | null, partial: boolean): string | null {
  if (!body || typeof body !== "object") return "The body must be a JSON object.";
  if (!partial || body.title !== undefined) {
    if (typeof body.title !== "string" || body.title.trim() === "" || body.title.length > 200) return "'title' must be 1 to 200 characters.";
  }
  if (body.body !== undefined && (typeof body.body !== "string" || body.body.length > 100_000)) return "'body' must be text of at most 100000 characters.";
  return null;
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname === "/notes" && req.method === "GET") {
    return json({ notes: db.prepare("SELECT * FROM notes ORDER BY id").all() });
  }
  if (url.pathname === "/notes" && req.method === "POST") {
    const body = await req.json().catch(() => null);
    const problem = valid(body, false);
    if (problem) return error(400, "invalid_input", problem);
    const now = new Date().toISOString();
    const r = db.prepare("INSERT INTO notes (title, body, created, updated) VALUES (?, ?, ?, ?)").run(body.title, body.body ?? "", now, now);
    return json(find(Number(r.lastInsertRowid)), 201);
  }
  const m = url.pathname.match(/^\/notes\/(\d+)$/);
  if (m) {
    const id = Number(m[1]);
    const note = find(id);
    if (!note) return error(404, "not_found", `No note ${id}.`);
    if (req.method === "GET") return json(note);
    if (req.method === "PUT" || req.method === "PATCH") {
      const body = await req.json().catch(() => null);
      const problem = valid(body, req.method === "PATCH");
      if (problem) return error(400, "invalid_input", problem);
      db.prepare("UPDATE notes SET title = ?, body = ?, updated = ? WHERE id = ?")
        .run(body.title ?? note.title, body.body ?? (req.method === "PUT" ? "" : note.body), new Date().toISOString(), id);
      return json(find(id));
    }
    if (req.method === "DELETE") {
      db.prepare("DELETE FROM notes WHERE id = ?").run(id);
      return new Response(null, { status: 204 });
    }
    return error(405, "method_not_allowed", "Use GET, PUT, PATCH or DELETE on /notes/:id.");
  }
  return error(404, "not_found", `No route ${req.method} ${url.pathname}.`);
});
