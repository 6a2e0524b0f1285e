// Todos: add items, mark them done, filter by state, delete. SQLite under data/.
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
Deno.mkdirSync("data", { recursive: true });
const db = new DatabaseSync("data/todos.db");
db.exec("CREATE TABLE IF NOT EXISTS todos (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL)");

type Row = { id: number; text: string; done: number; created: string };
const shape = (r: Row) => ({ id: r.id, text: r.text, done: r.done === 1, created: r.created });

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname === "/todos" && req.method === "GET") {
    const done = url.searchParams.get("done");
    if (done !== null && done !== "true" && done !== "false") return error(400, "invalid_query", "done must be true or false.");
    const rows = (done === null
      ? db.prepare("SELECT * FROM todos ORDER BY id").all()
      : db.prepare("SELECT * FROM todos WHERE done = ? ORDER BY id").all(done === "true" ? 1 : 0)) as Row[];
    return json({ todos: rows.map(shape) });
  }
  if (url.pathname === "/todos" && req.method === "POST") {
    const body = await req.json().catch(() => null);
    if (typeof body?.text !== "string" || body.text.trim() === "" || body.text.length > 1000) {
      return error(400, "invalid_input", 'Send {"text": "..."} with 1 to 1000 characters.');
    }
    const r = db.prepare("INSERT INTO todos (text, created) VALUES (?, ?)").run(body.text.trim(), new Date().toISOString());
    return json(shape(db.prepare("SELECT * FROM todos WHERE id = ?").get(Number(r.lastInsertRowid)) as Row), 201);
  }
  const m = url.pathname.match(/^\/todos\/(\d+)$/);
  if (m) {
    const id = Number(m[1]);
    const row = db.prepare("SELECT * FROM todos WHERE id = ?").get(id) as Row | undefined;
    if (!row) return error(404, "not_found", `No todo ${id}.`);
    if (req.method === "GET") return json(shape(row));
    if (req.method === "PATCH") {
      const body = await req.json().catch(() => null);
      if (!body || (body.done !== undefined && typeof body.done !== "boolean") || (body.text !== undefined && typeof body.text !== "string")) {
        return error(400, "invalid_input", 'Send {"done": true|false} and/or {"text": "..."}.');
      }
      db.prepare("UPDATE todos SET text = ?, done = ? WHERE id = ?").run(body.text ?? row.text, body.done === undefined ? row.done : (body.done ? 1 : 0), id);
      return json(shape(db.prepare("SELECT * FROM todos WHERE id = ?").get(id) as Row));
    }
    if (req.method === "DELETE") {
      db.prepare("DELETE FROM todos WHERE id = ?").run(id);
      return new Response(null, { status: 204 });
    }
  }
  return error(404, "not_found", `No route ${req.method} ${url.pathname}.`);
});
