// GitHub webhook: a trigger service. Validates the signature, then notifies the platform, which answers 202.
const port = Number(Deno.env.get("PORT"));
const secret = Deno.env.get("WEBHOOK_SECRET") ?? "";
const notifyURL = Deno.env.get("OPENPIECES_NOTIFY_URL") ?? "";
const token = Deno.env.get("OPENPIECES_SERVICE_TOKEN") ?? "";
const encoder = new TextEncoder();
const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Constant-time comparison: the signature must not leak through timing.
function equal(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname !== "/webhook" || req.method !== "POST") {
    return json({ error: { code: "not_found", message: "POST /webhook only." } }, 404);
  }
  const raw = new Uint8Array(await req.arrayBuffer());
  if (raw.length > 1_000_000) return json({ error: { code: "too_large", message: "Payloads are limited to 1 MB." } }, 413);
  const expected = "sha256=" + hex(await crypto.subtle.sign("HMAC", key, raw));
  if (!equal(req.headers.get("x-hub-signature-256") ?? "", expected)) {
    return json({ error: { code: "bad_signature", message: "X-Hub-Signature-256 does not match WEBHOOK_SECRET." } }, 401);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    return json({ error: { code: "invalid_json", message: "The body is not JSON." } }, 400);
  }
  const event = "github." + (req.headers.get("x-github-event") ?? "unknown");
  const res = await fetch(notifyURL, {
    method: "POST",
    // GitHub retries a delivery with the same id: the platform runs it once.
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "idempotency-key": req.headers.get("x-github-delivery") ?? "" },
    body: JSON.stringify({ event, payload }),
  });
  return json(await res.json().catch(() => ({})), res.status);
});
