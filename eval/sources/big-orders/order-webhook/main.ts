// Order webhook: a trigger. Validates an inbound order, then notifies the platform, which starts the workflow.
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
  if (url.pathname !== "/webhook" || req.method !== "POST") return error(404, "not_found", "POST /webhook only.");
  const order = await req.json().catch(() => null);
  if (!order || typeof order !== "object" || Array.isArray(order)) return error(400, "invalid_json", "The body must be a JSON object.");
  const total = Number(order.total);
  if (!Number.isFinite(total)) return error(400, "invalid_order", "An order needs a numeric 'total'.");
  const payload = { ...order, total };
  const res = await fetch(notifyURL, {
    method: "POST",
    // The shop may deliver an order twice: the platform runs it once per order id.
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...(order.id ? { "idempotency-key": `order-${order.id}` } : {}) },
    body: JSON.stringify({ event: "order.received", payload }),
  }).catch((e) => e as Error);
  if (res instanceof Error) return error(502, "notify_failed", `Could not reach the platform: ${res.message}`);
  const answer = await res.json().catch(() => ({}));
  return json(res.ok ? { accepted: true, ...answer } : { error: { code: "notify_failed", message: `The platform answered ${res.status}.` }, detail: answer },
    res.ok ? 202 : 502);
});
