// URL shortener: POST /links {url, code?} answers a short code (the caller's own if free) and its absolute short URL;
// GET /<code> redirects there.
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT"));
Deno.mkdirSync("data", { recursive: true });
const db = new DatabaseSync("data/links.db");
db.exec("CREATE TABLE IF NOT EXISTS links (code TEXT PRIMARY KEY, url TEXT NOT NULL, created TEXT NOT NULL, hits INTEGER NOT NULL DEFAULT 0)");

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

// Links handed out must be absolute and public: the platform's variable, else what the proxy says it was asked for.
function publicBase(req: Request): string {
  let base: string | undefined;
  try {
    base = Deno.env.get("OPENPIECES_PUBLIC_URL");
  } catch {
    base = undefined; // not granted on an older platform
  }
  if (base) return base.replace(/\/+$/, "");
  const host = req.headers.get("x-forwarded-host") ?? new URL(req.url).host;
  const proto = req.headers.get("x-forwarded-proto") ?? "http";
  return `${proto}://${host}${req.headers.get("x-forwarded-prefix") ?? ""}`;
}

const reserved = new Set(["links", "health"]);
const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
function newCode(): string {
  return [...crypto.getRandomValues(new Uint8Array(7))].map((b) => alphabet[b % alphabet.length]).join("");
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname === "/links" && req.method === "POST") {
    const body = await req.json().catch(() => null);
    let target: URL;
    try {
      target = new URL(typeof body?.url === "string" ? body.url : "");
    } catch {
      return error(400, "invalid_url", 'Send {"url": "https://…"}: an absolute http(s) URL.');
    }
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      return error(400, "invalid_url", "Only http and https URLs can be shortened.");
    }
    let code: string;
    if (body.code !== undefined) {
      code = String(body.code).toLowerCase();
      if (!/^[a-z0-9][a-z0-9-]{2,31}$/.test(code) || reserved.has(code)) {
        return error(400, "invalid_code", "A code is 3–32 of a-z, 0-9 and '-', and not 'links' or 'health'.");
      }
      if (db.prepare("SELECT 1 FROM links WHERE code = ?").get(code)) return error(409, "code_taken", `The code '${code}' is taken.`);
    } else {
      code = newCode();
      while (db.prepare("SELECT 1 FROM links WHERE code = ?").get(code)) code = newCode();
    }
    db.prepare("INSERT INTO links (code, url, created) VALUES (?, ?, ?)").run(code, target.href, new Date().toISOString());
    return json({ code, url: target.href, shortUrl: `${publicBase(req)}/${code}` }, 201);
  }
  if (url.pathname === "/links" && req.method === "GET") {
    const base = publicBase(req);
    const rows = db.prepare("SELECT code, url, hits, created FROM links ORDER BY created DESC LIMIT 500").all() as
      { code: string; url: string; hits: number; created: string }[];
    return json({ links: rows.map((r) => ({ ...r, shortUrl: `${base}/${r.code}` })) });
  }
  const m = url.pathname.match(/^\/([a-z0-9][a-z0-9-]{2,31})$/);
  if (m && (req.method === "GET" || req.method === "HEAD")) {
    const row = db.prepare("SELECT url FROM links WHERE code = ?").get(m[1]) as { url: string } | undefined;
    if (!row) return error(404, "not_found", `No short link '${m[1]}'.`);
    db.prepare("UPDATE links SET hits = hits + 1 WHERE code = ?").run(m[1]);
    return new Response(null, { status: 302, headers: { location: row.url } });
  }
  return error(404, "not_found", `No route ${req.method} ${url.pathname}. Shorten with POST /links.`);
});
