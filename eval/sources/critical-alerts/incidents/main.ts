// Incidents: POST /incidents {service, message} opens one, GET /incidents lists them, POST /incidents/:id/resolve closes one.
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
Deno.mkdirSync("data", { recursive: true });
const db = new DatabaseSync("data/incidents.db");
db.exec(`CREATE TABLE IF NOT EXISTS incidents (id INTEGER PRIMARY KEY AUTOINCREMENT, service TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', opened TEXT NOT NULL, resolved TEXT)`);

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

const one = (id: number) => db.prepare("SELECT * FROM incidents WHERE id = ?").get(id);

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname === "/incidents" && req.method === "GET") {
    return json({ incidents: db.prepare("SELECT * FROM incidents ORDER BY id").all() });
  }
  if (url.pathname === "/incidents" && req.method === "POST") {
    const body = await req.json().catch(() => null);
    if (typeof body?.message !== "string" || body.message.trim() === "") return error(400, "invalid_input", "An incident needs a message.");
    const r = db.prepare("INSERT INTO incidents (service, message, opened) VALUES (?, ?, ?)")
      .run(String(body.service ?? ""), body.message, new Date().toISOString());
    return json(one(Number(r.lastInsertRowid)), 201);
  }
  const m = url.pathname.match(/^\/incidents\/(\d+)\/resolve$/);
  if (m && req.method === "POST") {
    const r = db.prepare("UPDATE incidents SET status = 'resolved', resolved = ? WHERE id = ? AND status = 'open'").run(new Date().toISOString(), Number(m[1]));
    if (!r.changes) return one(Number(m[1])) ? error(409, "not_open", "That incident is resolved already.") : error(404, "not_found", `No incident ${m[1]}.`);
    return json(one(Number(m[1])));
  }
  return error(404, "not_found", `No route ${req.method} ${url.pathname}.`);
});
