// CSV to JSON: POST /csv-to-json with CSV text (RFC 4180 quoting); the header row names the fields; values stay strings.
const port = Number(Deno.env.get("PORT"));

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

function parse(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (quoted) throw new Error("a quoted field is not closed");
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

Deno.serve({ hostname: "127.0.0.1", port }, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  if (url.pathname !== "/csv-to-json" || req.method !== "POST") return error(404, "not_found", "POST /csv-to-json with CSV text.");
  let text = await req.text();
  // Callers that speak JSON may wrap the CSV: {"csv": "..."}.
  if ((req.headers.get("content-type") ?? "").includes("json")) {
    try { text = String(JSON.parse(text).csv ?? ""); } catch { return error(400, "invalid_json", 'Send CSV text, or {"csv": "..."}.'); }
  }
  let rows: string[][];
  try { rows = parse(text); } catch (e) { return error(400, "invalid_csv", (e as Error).message); }
  if (rows.length === 0) return error(400, "empty", "The CSV has no header row.");
  const [header, ...data] = rows;
  const bad = data.findIndex((r) => r.length !== header.length);
  if (bad >= 0) return error(400, "invalid_csv", `Row ${bad + 2} has ${data[bad].length} fields; the header has ${header.length}.`);
  return json({ rows: data.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))) });
});
