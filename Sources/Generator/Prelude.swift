/// The start of every `main.ts`: the port, limits on outside input, JSON answers and errors, and the body reader.
enum Prelude {
    static let code = #"""
        const port = Number(Deno.env.get("PORT"));
        // Limits on outside input: bodies, stored strings, rows per list.
        const MAX_BODY = 1_000_000;
        const MAX_TEXT = 10000;
        const MAX_ROWS = 1000;
        type Row = Record<string, unknown>;

        /** Thrown by handlers; the router answers it as {"error": {"code", "message"}}. */
        class HttpError extends Error {
          status: number;
          code: string;
          constructor(status: number, code: string, message: string) {
            super(message);
            this.status = status;
            this.code = code;
          }
        }
        function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
          return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
        }
        function fail(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
          return json({ error: { code, message } }, status, headers);
        }
        function invalid(message: string): HttpError {
          return new HttpError(400, "invalid_input", message);
        }
        function notFound(message: string): HttpError {
          return new HttpError(404, "not_found", message);
        }
        function noContent(): Response {
          return new Response(null, { status: 204 });
        }
        /** The JSON object a request sends; an empty body is {}. */
        async function body(req: Request): Promise<Record<string, unknown>> {
          if (Number(req.headers.get("content-length") ?? "0") > MAX_BODY) throw new HttpError(413, "too_large", `bodies are limited to ${MAX_BODY} bytes`);
          const raw = await req.text();
          if (raw.length > MAX_BODY) throw new HttpError(413, "too_large", `bodies are limited to ${MAX_BODY} bytes`);
          if (raw.trim() === "") return {};
          let value: unknown;
          try {
            value = JSON.parse(raw);
          } catch {
            throw invalid("the body is not JSON; send a JSON object");
          }
          if (!value || typeof value !== "object" || Array.isArray(value)) throw invalid("send a JSON object");
          return value as Record<string, unknown>;
        }
        /** A text input of a text tool: a string of at most 100000 characters. */
        function textOf(input: Record<string, unknown>, name = "text"): string {
          const v = input[name];
          if (typeof v !== "string") throw invalid(`send {"${name}": "..."}`);
          if (v.length > 100000) throw invalid(`'${name}' is limited to 100000 characters`);
          return v;
        }

        """#

    /// Shared by every part that keeps data: `data/` exists, and a table gains the columns a newer version declares.
    static let sqlite = #"""
        try {
          Deno.mkdirSync("data", { recursive: true });
        } catch {
          // Already there, or not ours to make: opening a database says which.
        }
        function columnsOf(db: DatabaseSync, table: string): Set<string> {
          return new Set((db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name));
        }
        /** Adds the columns a table lacks (a newer version of the service declared them); existing rows get the default. */
        function addColumns(db: DatabaseSync, table: string, columns: [string, string][]): void {
          const have = columnsOf(db, table);
          for (const [name, declaration] of columns) {
            if (!have.has(name)) db.exec(`ALTER TABLE "${table}" ADD COLUMN "${name}" ${declaration}`);
          }
        }
        function now(): string {
          return new Date().toISOString();
        }

        """#
}
