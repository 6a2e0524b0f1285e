// Big orders: a list of orders kept in SQLite. POST /orders adds one (idempotent per order id); GET /orders lists them.
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
Deno.mkdirSync("data", { recursive: true });
const db = new DatabaseSync("data/orders.db");
db.exec(`CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY, customer TEXT NOT NULL DEFAULT '', total REAL NOT NULL, saved TEXT NOT NULL)`);

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname === "/orders" && req.method === "GET") {
    return json({ orders: db.prepare("SELECT id, customer, total, saved FROM orders ORDER BY saved").all() });
  }
  if (url.pathname === "/orders" && req.method === "POST") {
    const body = await req.json().catch(() => null);
    if (!body || typeof body.total !== "number" || !Number.isFinite(body.total)) {
      return error(400, "invalid_input", 'Send {"id", "customer", "total"} with a numeric total.');
    }
    const id = body.id === undefined ? crypto.randomUUID() : String(body.id);
    const customer = typeof body.customer === "string" ? body.customer : "";
    // A workflow step retried after a failure sends the same order again: keep one copy.
    db.prepare("INSERT INTO orders (id, customer, total, saved) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING")
      .run(id, customer, body.total, new Date().toISOString());
    return json(db.prepare("SELECT id, customer, total, saved FROM orders WHERE id = ?").get(id), 201);
  }
  const m = url.pathname.match(/^\/orders\/([^/]+)$/);
  if (m && req.method === "DELETE") {
    const r = db.prepare("DELETE FROM orders WHERE id = ?").run(decodeURIComponent(m[1]));
    return r.changes ? new Response(null, { status: 204 }) : error(404, "not_found", `No order '${m[1]}'.`);
  }
  return error(404, "not_found", `No route ${req.method} ${url.pathname}.`);
});
