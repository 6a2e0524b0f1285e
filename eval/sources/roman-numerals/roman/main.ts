// Roman numerals: GET /roman/:number and GET /arabic/:numeral, 1 to 3999, strict in what it accepts.
const port = Number(Deno.env.get("PORT"));
const table: [number, string][] = [[1000, "M"], [900, "CM"], [500, "D"], [400, "CD"], [100, "C"], [90, "XC"],
  [50, "L"], [40, "XL"], [10, "X"], [9, "IX"], [5, "V"], [4, "IV"], [1, "I"]];

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

function toRoman(n: number): string {
  let out = "";
  for (const [v, s] of table) while (n >= v) { out += s; n -= v; }
  return out;
}

function toArabic(s: string): number | null {
  let i = 0, n = 0;
  for (const [v, sym] of table) while (s.startsWith(sym, i)) { n += v; i += sym.length; }
  // Only the canonical spelling is accepted: IIII or VX are not numerals.
  return i === s.length && n > 0 && toRoman(n) === s ? n : null;
}

Deno.serve({ hostname: "127.0.0.1", port }, (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (req.method !== "GET") return error(405, "method_not_allowed", "Only GET.");
  let m = url.pathname.match(/^\/roman\/([^/]+)$/);
  if (m) {
    const n = Number(m[1]);
    if (!Number.isInteger(n) || n < 1 || n > 3999) return error(400, "out_of_range", "The number must be an integer from 1 to 3999.");
    return json({ number: n, roman: toRoman(n) });
  }
  m = url.pathname.match(/^\/arabic\/([^/]+)$/);
  if (m) {
    const s = decodeURIComponent(m[1]).toUpperCase();
    const n = toArabic(s);
    if (n === null) return error(400, "invalid_numeral", `'${s}' is not a valid Roman numeral.`);
    return json({ roman: s, number: n });
  }
  return error(404, "not_found", "GET /roman/:number or GET /arabic/:numeral.");
});
