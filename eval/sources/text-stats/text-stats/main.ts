// Text statistics: POST /stats {text} counts words, characters, sentences and the most frequent words.
const port = Number(Deno.env.get("PORT"));

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname !== "/stats" || req.method !== "POST") return error(404, "not_found", 'POST /stats {"text": "..."}');
  const body = await req.json().catch(() => null);
  if (typeof body?.text !== "string") return error(400, "invalid_input", 'Send {"text": "..."}.');
  const text: string = body.text;
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const sentences = text.split(/[.!?]+/).filter((s) => s.trim() !== "").length;
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5).map(([word, count]) => ({ word, count }));
  return json({ words: words.length, characters: [...text].length, sentences, top });
});
