// Temperature converter: GET /convert?value=&from=&to= between Celsius, Fahrenheit and Kelvin.
const port = Number(Deno.env.get("PORT"));
const units = ["C", "F", "K"] as const;
type Unit = typeof units[number];

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

function toCelsius(v: number, u: Unit): number {
  return u === "C" ? v : u === "F" ? (v - 32) * 5 / 9 : v - 273.15;
}

function fromCelsius(c: number, u: Unit): number {
  return u === "C" ? c : u === "F" ? c * 9 / 5 + 32 : c + 273.15;
}

Deno.serve({ hostname: "127.0.0.1", port }, (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname !== "/convert" || req.method !== "GET") return error(404, "not_found", "GET /convert?value=100&from=C&to=F");
  const raw = url.searchParams.get("value");
  const value = raw === null || raw.trim() === "" ? NaN : Number(raw);
  const from = (url.searchParams.get("from") ?? "").toUpperCase() as Unit;
  const to = (url.searchParams.get("to") ?? "").toUpperCase() as Unit;
  if (!Number.isFinite(value)) return error(400, "invalid_value", "value must be a number.");
  if (!units.includes(from) || !units.includes(to)) return error(400, "invalid_unit", "from and to must be C, F or K.");
  const c = toCelsius(value, from);
  if (c < -273.15 - 1e-9) return error(400, "below_absolute_zero", "That temperature is below absolute zero.");
  const result = Math.round(fromCelsius(c, to) * 100) / 100;
  return json({ value, from, to, result });
});
