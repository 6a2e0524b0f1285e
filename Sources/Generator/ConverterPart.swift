import Core
import Intent

/// Unit conversion with a fixed table, limited to the quantities asked for: temperatures (c, f, k), lengths, masses,
/// and currencies at rates fixed when the service was built.
enum ConverterPart {
    static let units: [(Quantity, [(String, Double)])] = [
        (.temperature, [("c", 0), ("f", 0), ("k", 0)]),
        (.length, [("m", 1), ("km", 1000), ("cm", 0.01), ("mm", 0.001), ("mi", 1609.344), ("ft", 0.3048), ("in", 0.0254), ("yd", 0.9144)]),
        (.mass, [("kg", 1), ("g", 0.001), ("lb", 0.45359237), ("oz", 0.028349523125), ("t", 1000)]),
        (.currency, [("eur", 1), ("usd", 0.92), ("gbp", 1.17), ("chf", 1.05), ("jpy", 0.0061)]),
    ]

    static func make(_ asked: [Quantity]) -> Part {
        let quantities = asked.isEmpty ? Quantity.allCases : Quantity.allCases.filter(asked.contains)
        let table = units.filter { quantities.contains($0.0) }
        let entries = table.flatMap { q, list in list.map { "  \($0.0): [\(JSONText.quote(q.rawValue)), \($0.1)]," } }
        var part = Part(code: """
            // Each unit's quantity and its factor to the quantity's base unit (temperatures convert by formula).
            const UNITS: Record<string, [string, number]> = {
            \(entries.joined(separator: "\n"))
            };

            """ + #"""
            function toKelvin(v: number, u: string): number {
              return u === "c" ? v + 273.15 : u === "f" ? (v - 32) * 5 / 9 + 273.15 : v;
            }
            function fromKelvin(v: number, u: string): number {
              return u === "c" ? v - 273.15 : u === "f" ? (v - 273.15) * 9 / 5 + 32 : v;
            }
            function convert(url: URL): Response {
              const raw = url.searchParams.get("value") ?? "";
              const value = Number(raw);
              const from = (url.searchParams.get("from") ?? "").toLowerCase(), to = (url.searchParams.get("to") ?? "").toLowerCase();
              if (raw.trim() === "" || !Number.isFinite(value)) throw invalid("?value= must be a number");
              const a = UNITS[from], b = UNITS[to];
              if (!a || !b) throw invalid(`unknown unit; known: ${Object.keys(UNITS).join(", ")}`);
              if (a[0] !== b[0]) throw invalid(`cannot convert ${a[0]} to ${b[0]}`);
              const result = a[0] === "temperature" ? fromKelvin(toKelvin(value, from), to) : value * a[1] / b[1];
              return json({ value, from, to, result: Math.round(result * 1e6) / 1e6 });
            }

            """#, summary: "unit conversion (\(quantities.map(\.rawValue).joined(separator: ", ")))")
        let names: [JSONValue] = table.flatMap { $0.1.map { .string($0.0) } }
        part.route("GET", "/convert", "(_req, _p, url) => convert(url)", "Convert ?value= from the unit ?from= to the unit ?to= (see GET /units).",
                   input: Schema.object(["value": Schema.number, "from": ["type": "string", "enum": .array(names)], "to": ["type": "string", "enum": .array(names)]],
                                        required: ["value", "from", "to"]),
                   output: Schema.object(["value": Schema.number, "from": Schema.string, "to": Schema.string, "result": Schema.number],
                                         required: ["value", "from", "to", "result"], closed: false))
        var byQuantity: [String: JSONValue] = [:]
        for (q, list) in table { byQuantity[q.rawValue] = .array(list.map { .string($0.0) }) }
        part.code += "const QUANTITIES = \(JSONValue.object(byQuantity).text);\n"
        part.route("GET", "/units", "() => json({ units: Object.keys(UNITS), quantities: QUANTITIES })", "The units it knows, by quantity.",
                   output: Schema.object(["units": ["type": "array", "items": Schema.string], "quantities": ["type": "object"]], required: ["units"], closed: false))
        return part
    }
}
