// Contacts: name and email (validated, unique), CRUD at /contacts. SQLite under data/.
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
Deno.mkdirSync("data", { recursive: true });
const db = new DatabaseSync("data/contacts.db");
db.exec("CREATE TABLE IF NOT EXISTS contacts (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, created TEXT NOT NULL)");

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname === "/contacts" && req.method === "GET") {
    return json({ contacts: db.prepare("SELECT id, name, email, created FROM contacts ORDER BY id").all() });
  }
  if (url.pathname === "/contacts" && req.method === "POST") {
    const body = await req.json().catch(() => null);
    if (typeof body?.name !== "string" || body.name.trim() === "") return error(400, "invalid_name", "'name' is required.");
    const email = typeof body.email === "string" ? body.email.trim().toLowerCase() : "";
    if (!emailPattern.test(email)) return error(400, "invalid_email", `'${body.email ?? ""}' is not an email address.`);
    if (db.prepare("SELECT 1 FROM contacts WHERE email = ?").get(email)) return error(409, "duplicate_email", `${email} is already a contact.`);
    const r = db.prepare("INSERT INTO contacts (name, email, created) VALUES (?, ?, ?)").run(body.name.trim(), email, new Date().toISOString());
    return json(db.prepare("SELECT id, name, email, created FROM contacts WHERE id = ?").get(Number(r.lastInsertRowid)), 201);
  }
  const m = url.pathname.match(/^\/contacts\/(\d+)$/);
  if (m) {
    const row = db.prepare("SELECT id, name, email, created FROM contacts WHERE id = ?").get(Number(m[1]));
    if (!row) return error(404, "not_found", `No contact ${m[1]}.`);
    if (req.method === "GET") return json(row);
    if (req.method === "DELETE") {
      db.prepare("DELETE FROM contacts WHERE id = ?").run(Number(m[1]));
      return new Response(null, { status: 204 });
    }
  }
  return error(404, "not_found", `No route ${req.method} ${url.pathname}.`);
});
