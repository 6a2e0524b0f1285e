// Alerts: a trigger. POST /alert {severity, service, message} from monitoring; each valid alert goes to the platform.
const port = Number(Deno.env.get("PORT"));
const notifyURL = Deno.env.get("OPENPIECES_NOTIFY_URL") ?? "";
const token = Deno.env.get("OPENPIECES_SERVICE_TOKEN") ?? "";
const severities = new Set(["info", "warning", "critical"]);

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname !== "/alert" || req.method !== "POST") return error(404, "not_found", "POST /alert only.");
  const body = await req.json().catch(() => null);
  const severity = String(body?.severity ?? "").toLowerCase();
  if (!severities.has(severity)) return error(400, "invalid_alert", "severity must be info, warning or critical.");
  if (typeof body.message !== "string" || body.message === "") return error(400, "invalid_alert", "An alert needs a message.");
  const payload = { severity, service: String(body.service ?? ""), message: body.message };
  const res = await fetch(notifyURL, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ event: "alert." + severity, payload }),
  }).catch((e) => e as Error);
  if (res instanceof Error) return error(502, "notify_failed", `Could not reach the platform: ${res.message}`);
  const answer = await res.json().catch(() => ({}));
  return res.ok ? json({ accepted: true, ...answer }, 202) : error(502, "notify_failed", `The platform answered ${res.status}.`);
});
