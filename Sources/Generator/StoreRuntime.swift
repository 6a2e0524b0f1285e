/// The typed `node:sqlite` store every resource uses, configured by a `ResourceDef` literal: typed columns, required
/// fields and defaults, validation, query filters, expiry, short codes, documents, and the migration to the spec's
/// fields on start.
enum StoreRuntime {
    static let code = #"""
        type FieldType = "text" | "number" | "boolean" | "url" | "datetime";
        type Scalar = string | number | boolean | null;
        type Stored = string | number | null;
        interface FieldDef {
          name: string;
          type: FieldType;
          required: boolean;
          fallback: Scalar;
          previous: string[];
        }
        interface ResourceDef {
          one: string;
          table: string;
          fields: FieldDef[];
          /** Fields beyond the typed ones are kept in a JSON column and merged back into rows. */
          documents: boolean;
          /** Rows expire: after `lifetime` seconds, or the `ttl` a write gives. */
          expires: boolean;
          lifetime: number | null;
          /** Length of a generated short code; 0 for none. */
          codeLength: number;
        }
        interface Filter {
          field: string;
          op: "=" | "!=" | ">" | ">=" | "<" | "<=";
          value: Scalar;
        }
        const SQL_TYPES: Record<FieldType, string> = { text: "TEXT", number: "REAL", boolean: "INTEGER", url: "TEXT", datetime: "TEXT" };
        const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
        const MAX_TTL = 10 * 365 * 86400;

        function sqlLiteral(v: Scalar): string {
          if (v === null) return "NULL";
          if (typeof v === "boolean") return v ? "1" : "0";
          if (typeof v === "number") return String(v);
          return `'${v.replaceAll("'", "''")}'`;
        }

        class Store {
          def: ResourceDef;
          db: DatabaseSync;
          columns: string;

          constructor(def: ResourceDef) {
            this.def = def;
            this.db = new DatabaseSync(`data/${def.table}.db`);
            this.migrate();
            const names = ["id", "created", ...def.fields.map((f) => f.name)];
            if (def.documents) names.push("data");
            if (def.expires) names.push("expires");
            if (def.codeLength) names.push("code");
            this.columns = names.map((n) => `"${n}"`).join(", ");
            if (def.expires) setInterval(() => this.sweep(), 10000);
          }

          /** Creates the table, renames columns of renamed fields, adds columns of added ones. Removed fields' columns stay. */
          migrate(): void {
            const t = this.def.table;
            this.db.exec(`CREATE TABLE IF NOT EXISTS "${t}" (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL)`);
            const have = columnsOf(this.db, t);
            for (const f of this.def.fields) {
              if (have.has(f.name)) continue;
              const old = f.previous.slice().reverse().find((p) => have.has(p));
              if (old) {
                this.db.exec(`ALTER TABLE "${t}" RENAME COLUMN "${old}" TO "${f.name}"`);
                have.delete(old);
                have.add(f.name);
              }
            }
            const columns: [string, string][] = this.def.fields.map((f) =>
              [f.name, SQL_TYPES[f.type] + (f.fallback === null ? "" : ` DEFAULT ${sqlLiteral(f.fallback)}`)]);
            if (this.def.documents) columns.push(["data", "TEXT"]);
            if (this.def.expires) columns.push(["expires", "TEXT"]);
            if (this.def.codeLength) columns.push(["code", "TEXT"]);
            addColumns(this.db, t, columns);
            if (this.def.codeLength) this.db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS "${t}_code" ON "${t}" (code)`);
          }

          /** A stored row as JSON: booleans as true/false, documents' extra fields merged in. */
          out(r: Row): Row {
            const o: Row = { id: r.id };
            if (this.def.codeLength) o.code = r.code;
            for (const f of this.def.fields) {
              const v = r[f.name];
              o[f.name] = f.type === "boolean" && v !== null && v !== undefined ? v === 1 : v ?? null;
            }
            o.created = r.created;
            if (this.def.expires) o.expires = r.expires ?? null;
            if (this.def.documents && typeof r.data === "string") {
              for (const [k, v] of Object.entries(JSON.parse(r.data) as Row)) if (!(k in o)) o[k] = v;
            }
            return o;
          }

          /** One field's value as stored, or a 400 that says what to send. */
          stored(f: FieldDef, v: unknown): Stored {
            const what = `'${f.name}'`;
            if (v === null) {
              if (f.required) throw invalid(`${what} is required; it cannot be null`);
              return null;
            }
            switch (f.type) {
              case "number":
                if (typeof v !== "number" || !Number.isFinite(v)) throw invalid(`${what} must be a number`);
                return v;
              case "boolean":
                if (typeof v !== "boolean") throw invalid(`${what} must be true or false`);
                return v ? 1 : 0;
              default: {
                if (typeof v !== "string") throw invalid(`${what} must be a string`);
                if (v.length > MAX_TEXT) throw invalid(`${what} is limited to ${MAX_TEXT} characters`);
                if (f.required && v.trim() === "") throw invalid(`${what} is required; it cannot be empty`);
                if (f.type === "url") {
                  let u: URL | null = null;
                  try {
                    u = new URL(v);
                  } catch {
                    u = null;
                  }
                  if (!u || (u.protocol !== "http:" && u.protocol !== "https:")) throw invalid(`${what} must be an http(s) URL, like https://example.com/page`);
                }
                if (f.type === "datetime" && (!ISO_8601.test(v) || Number.isNaN(Date.parse(v)))) {
                  throw invalid(`${what} must be an ISO-8601 date or time, like 2026-01-31 or 2026-01-31T09:30:00Z`);
                }
                return v;
              }
            }
          }

          /** The typed values and, for documents, the extra fields of an input; a 400 naming unknown or missing fields. */
          clean(input: Row, partial: boolean): { values: Record<string, Stored>; extras: Row } {
            const values: Record<string, Stored> = {};
            const extras: Row = {};
            const unknown: string[] = [];
            for (const [k, v] of Object.entries(input)) {
              const f = this.def.fields.find((x) => x.name === k);
              if (f) values[k] = this.stored(f, v);
              else if (k === "ttl" && this.def.expires) continue;
              // A document keeps every field it was sent; the row's own id, created, code and expires win when read.
              else if (this.def.documents) extras[k] = v;
              else unknown.push(k);
            }
            const names = this.def.fields.map((f) => f.name).join(", ") || "none";
            if (unknown.length) throw invalid(`unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `'${u}'`).join(", ")}; the fields of a ${this.def.one} are: ${names}`);
            if (!partial) {
              const missing: string[] = [];
              for (const f of this.def.fields) {
                if (values[f.name] !== undefined) continue;
                if (f.required) missing.push(f.name);
                else values[f.name] = f.fallback === null ? null : this.stored(f, f.fallback);
              }
              if (missing.length) throw invalid(`missing required field${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`);
            }
            if (JSON.stringify(extras).length > 100000) throw invalid("the extra fields are limited to 100000 characters of JSON");
            return { values, extras };
          }

          /** When a new row expires: its `ttl` in seconds, else the service's lifetime, else never. */
          expiry(input: Row): string | null {
            const ttl = input.ttl ?? this.def.lifetime;
            if (ttl === null || ttl === undefined) return null;
            if (typeof ttl !== "number" || !(ttl > 0) || ttl > MAX_TTL) throw invalid(`'ttl' must be a number of seconds between 0 and ${MAX_TTL}`);
            return new Date(Date.now() + ttl * 1000).toISOString();
          }

          /** A WHERE clause: live rows only, the given filters, and the query's `?field=value` filters. */
          where(filters: Filter[], query?: URLSearchParams): { sql: string; args: Stored[] } {
            const parts: string[] = [];
            const args: Stored[] = [];
            if (this.def.expires) {
              parts.push("(expires IS NULL OR expires > ?)");
              args.push(now());
            }
            const all = [...filters];
            for (const f of this.def.fields) {
              const raw = query?.get(f.name);
              if (raw !== null && raw !== undefined) all.push(this.equal(f.name, raw));
            }
            for (const f of all) {
              if (f.value === null) {
                parts.push(`"${f.field}" IS ${f.op === "!=" ? "NOT " : ""}NULL`);
                continue;
              }
              parts.push(`"${f.field}" ${f.op} ?`);
              args.push(typeof f.value === "boolean" ? (f.value ? 1 : 0) : f.value);
            }
            return { sql: parts.length ? ` WHERE ${parts.join(" AND ")}` : "", args };
          }

          /** `field = value` for a value given as text (a query parameter, a path segment), read as the field's type. */
          equal(name: string, raw: string): Filter {
            const f = this.def.fields.find((x) => x.name === name);
            let value: Scalar = raw;
            if (f?.type === "boolean") {
              if (!["true", "false", "1", "0"].includes(raw)) throw invalid(`${name} must be true or false`);
              value = raw === "true" || raw === "1";
            } else if (f?.type === "number") {
              value = Number(raw);
              if (raw.trim() === "" || !Number.isFinite(value)) throw invalid(`${name} must be a number`);
            }
            return { field: name, op: "=", value };
          }

          limit(query: URLSearchParams): number {
            const raw = query.get("limit");
            // A field named limit is a filter, not the page size.
            if (raw === null || this.def.fields.some((f) => f.name === "limit")) return MAX_ROWS;
            const n = Number(raw);
            if (!Number.isInteger(n) || n < 1 || n > MAX_ROWS) throw invalid(`?limit= must be a whole number from 1 to ${MAX_ROWS}`);
            return n;
          }

          list(url: URL, filters: Filter[] = [], extra?: { sql: string; args: Stored[] }): Row {
            const w = this.where(filters, url.searchParams);
            const sql = w.sql + (extra ? (w.sql ? " AND " : " WHERE ") + extra.sql : "");
            const args = [...w.args, ...(extra?.args ?? [])];
            const rows = this.db.prepare(`SELECT ${this.columns} FROM "${this.def.table}"${sql} ORDER BY id DESC LIMIT ?`)
              .all(...args, this.limit(url.searchParams)) as Row[];
            const total = this.db.prepare(`SELECT COUNT(*) AS n FROM "${this.def.table}"${sql}`).get(...args) as { n: number };
            return { [this.def.table]: rows.map((r) => this.out(r)), count: total.n };
          }

          find(id: string): Row | undefined {
            const w = this.where([{ field: "id", op: "=", value: Number(id) }]);
            return this.db.prepare(`SELECT ${this.columns} FROM "${this.def.table}"${w.sql}`).get(...w.args) as Row | undefined;
          }

          read(id: string): Row {
            const row = this.find(id);
            if (!row) throw notFound(`no ${this.def.one} ${id}`);
            return this.out(row);
          }

          create(input: Row): Row {
            const { values, extras } = this.clean(input, false);
            const names = Object.keys(values);
            const args: Stored[] = Object.values(values);
            names.push("created");
            args.push(now());
            if (this.def.documents) {
              names.push("data");
              args.push(JSON.stringify(extras));
            }
            if (this.def.expires) {
              names.push("expires");
              args.push(this.expiry(input));
            }
            if (this.def.codeLength) {
              names.push("code");
              args.push(this.freshCode());
            }
            const r = this.db.prepare(`INSERT INTO "${this.def.table}" (${names.map((n) => `"${n}"`).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`)
              .run(...args);
            return this.read(String(r.lastInsertRowid));
          }

          update(id: string, input: Row): Row {
            const row = this.find(id);
            if (!row) throw notFound(`no ${this.def.one} ${id}`);
            const { values, extras } = this.clean(input, true);
            const sets = Object.keys(values).map((n) => `"${n}" = ?`);
            const args: Stored[] = Object.values(values);
            if (this.def.documents && Object.keys(extras).length) {
              sets.push("data = ?");
              args.push(JSON.stringify({ ...(typeof row.data === "string" ? JSON.parse(row.data) : {}), ...extras }));
            }
            if (this.def.expires && input.ttl !== undefined) {
              sets.push("expires = ?");
              args.push(this.expiry(input));
            }
            if (sets.length) this.db.prepare(`UPDATE "${this.def.table}" SET ${sets.join(", ")} WHERE id = ?`).run(...args, Number(id));
            return this.read(id);
          }

          remove(id: string): void {
            if (!this.find(id)) throw notFound(`no ${this.def.one} ${id}`);
            this.db.prepare(`DELETE FROM "${this.def.table}" WHERE id = ?`).run(Number(id));
          }

          setFlag(id: string, field: string, on: boolean): Row {
            if (!this.find(id)) throw notFound(`no ${this.def.one} ${id}`);
            this.db.prepare(`UPDATE "${this.def.table}" SET "${field}" = ? WHERE id = ?`).run(on ? 1 : 0, Number(id));
            return this.read(id);
          }

          count(filters: Filter[], query: URLSearchParams): number {
            const w = this.where(filters, query);
            return (this.db.prepare(`SELECT COUNT(*) AS n FROM "${this.def.table}"${w.sql}`).get(...w.args) as { n: number }).n;
          }

          sum(field: string, query: URLSearchParams): number {
            const w = this.where([], query);
            return (this.db.prepare(`SELECT TOTAL("${field}") AS s FROM "${this.def.table}"${w.sql}`).get(...w.args) as { s: number }).s;
          }

          /** Rows whose field contains `?q=` (case-insensitive). */
          search(field: string, url: URL): Row {
            const q = url.searchParams.get("q") ?? "";
            if (q.trim() === "" || q.length > 200) throw invalid("send ?q= with 1 to 200 characters to search for");
            const pattern = "%" + q.replace(/[\\%_]/g, (c) => "\\" + c) + "%";
            return this.list(url, [], { sql: `"${field}" LIKE ? ESCAPE '\\'`, args: [pattern] });
          }

          freshCode(): string {
            const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
            for (let attempt = 0; attempt < 20; attempt++) {
              const bytes = crypto.getRandomValues(new Uint8Array(this.def.codeLength));
              const code = [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
              // Not taken, and not a literal path of this service (GET /links must stay the list).
              const literal = ROUTES.some((r) => r.path === "/" + code);
              if (!literal && !this.db.prepare(`SELECT 1 FROM "${this.def.table}" WHERE code = ?`).get(code)) return code;
            }
            throw new HttpError(503, "codes_exhausted", "no free short code was found; try again");
          }

          /** Answers GET /:code with a redirect to the row's URL field. */
          redirect(code: string, field: string, status: number): Response {
            const w = this.where([{ field: "code", op: "=", value: code }]);
            const row = this.db.prepare(`SELECT "${field}" AS target FROM "${this.def.table}"${w.sql}`).get(...w.args) as { target: string | null } | undefined;
            if (!row || !row.target) throw notFound(`no ${this.def.one} with the code ${code}`);
            return new Response(null, { status, headers: { location: row.target } });
          }

          sweep(): void {
            this.db.prepare(`DELETE FROM "${this.def.table}" WHERE expires IS NOT NULL AND expires <= ?`).run(now());
          }
        }

        """#
}
