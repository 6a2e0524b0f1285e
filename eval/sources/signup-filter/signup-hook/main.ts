// Signup hook: a trigger. POST /signup {name, email} from the sign-up form; a valid signup is sent to the platform.
const port = Number(Deno.env.get("PORT"));
const notifyURL = Deno.env.get("OPENPIECES_NOTIFY_URL") ?? "";
const token = Deno.env.get("OPENPIECES_SERVICE_TOKEN") ?? "";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname !== "/signup" || req.method !== "POST") return error(404, "not_found", "POST /signup only.");
  const body = await req.json().catch(() => null);
  const name = typeof body?.name === "string" ? body.name.trim() : "";
  const email = typeof body?.email === "string" ? body.email.trim().toLowerCase() : "";
  if (!name || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return error(400, "invalid_signup", "A signup needs a name and a valid email.");
  const res = await fetch(notifyURL, {
    method: "POST",
    // The same person signing up twice starts one run.
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "idempotency-key": `signup-${email}` },
    body: JSON.stringify({ event: "signup.created", payload: { name, email } }),
  }).catch((e) => e as Error);
  if (res instanceof Error) return error(502, "notify_failed", `Could not reach the platform: ${res.message}`);
  const answer = await res.json().catch(() => ({}));
  return res.ok ? json({ accepted: true, ...answer }, 202) : error(502, "notify_failed", `The platform answered ${res.status}.`);
});
