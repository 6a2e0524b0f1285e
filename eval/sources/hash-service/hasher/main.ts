// Hashes: POST /hash {text, algorithm} answers the hex digest (SHA-1, SHA-256, SHA-384, SHA-512) via Web Crypto.
const port = Number(Deno.env.get("PORT"));
const algorithms: Record<string, string> = { "sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512" };

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname !== "/hash" || req.method !== "POST") return error(404, "not_found", 'POST /hash {"text", "algorithm"}');
  const body = await req.json().catch(() => null);
  if (typeof body?.text !== "string") return error(400, "invalid_input", 'Send {"text": "...", "algorithm": "sha256"}.');
  const name = String(body.algorithm ?? "sha256").toLowerCase().replace("-", "");
  const algorithm = algorithms[name];
  if (!algorithm) return error(400, "unsupported_algorithm", `Use one of ${Object.keys(algorithms).join(", ")}.`);
  const digest = await crypto.subtle.digest(algorithm, new TextEncoder().encode(body.text));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return json({ algorithm: name, hex });
});
