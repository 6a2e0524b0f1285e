import Core
import Intent

/// Named counters that persist (`data/counter.db`, the table earlier versions used): read, increment, and the
/// decrement and reset the spec asks for. A counter never written reads `start`; reset goes back to it.
enum CounterPart {
    static func make(_ spec: CounterSpec) -> Part {
        var part = Part(code: """
            const counterDB = new DatabaseSync("data/counter.db");
            counterDB.exec("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            const COUNTER_START = \(spec.start);

            """ + #"""
            function counterName(p: Params): string {
              const name = p.name ?? "default";
              if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw invalid("a counter's name is 1 to 64 letters, digits, '-' or '_'");
              return name;
            }
            function counterRead(name: string): Response {
              const row = counterDB.prepare("SELECT value FROM counters WHERE name = ?").get(name) as { value: number } | undefined;
              const count = row?.value ?? COUNTER_START;
              return json({ name, count, value: count });
            }
            async function counterStep(req: Request, p: Params, sign: number): Promise<Response> {
              const name = counterName(p);
              const by = (await body(req)).by ?? 1;
              if (typeof by !== "number" || !Number.isInteger(by) || Math.abs(by) > 1e9) throw invalid("'by' must be a whole number from -1000000000 to 1000000000");
              counterDB.prepare("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?")
                .run(name, COUNTER_START + sign * by, sign * by);
              return counterRead(name);
            }
            function counterReset(p: Params): Response {
              const name = counterName(p);
              counterDB.prepare("DELETE FROM counters WHERE name = ?").run(name);
              return counterRead(name);
            }

            """#, usesSQLite: true, summary: "named counters starting at \(spec.start) (\((["read", "increment"] + spec.steps.filter { $0 != .increment }.map(\.rawValue)).joined(separator: ", ")))")
        let out = Schema.object(["name": Schema.string, "count": Schema.integer, "value": Schema.integer], required: ["name", "count"], closed: false)
        let name: JSONValue = ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"]
        let by: JSONValue = ["type": "integer", "minimum": -1_000_000_000, "maximum": 1_000_000_000]
        part.route("GET", "/counter", "(_req, p) => counterRead(counterName(p))", "Read the default counter: {name, count}.", output: out)
        part.route("GET", "/counter/:name", "(_req, p) => counterRead(counterName(p))",
                   "Read a counter: {name, count}; one never written reads \(spec.start).", input: Schema.object(["name": name], required: ["name"]), output: out)
        var steps: [(String, String, String)] = [("increment", "1", "Add 1, or 'by'")]
        if spec.steps.contains(.decrement) { steps.append(("decrement", "-1", "Subtract 1, or 'by'")) }
        for (step, sign, what) in steps {
            part.route("POST", "/counter/" + step, "(req, p) => counterStep(req, p, \(sign))", "\(what), on the default counter; answers {name, count}.",
                       input: Schema.object(["by": by]), output: out)
            part.route("POST", "/counter/:name/" + step, "(req, p) => counterStep(req, p, \(sign))", "\(what); answers {name, count}.",
                       input: Schema.object(["name": name, "by": by], required: ["name"]), output: out)
        }
        if spec.steps.contains(.reset) {
            part.route("POST", "/counter/reset", "(_req, p) => counterReset(p)", "Reset the default counter to \(spec.start).", output: out)
            part.route("POST", "/counter/:name/reset", "(_req, p) => counterReset(p)", "Reset a counter to \(spec.start).",
                       input: Schema.object(["name": name], required: ["name"]), output: out)
        }
        return part
    }
}
