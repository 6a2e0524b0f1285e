import Core
import Intent

/// Text tools: statistics (only the ones asked for, at `/stats` and at `/count` as earlier versions answered) and
/// transforms (`/slugify`, `/case`).
enum TextPart {
    static let textInput = Schema.object(["text": ["type": "string", "maxLength": 100_000]], required: ["text"])

    static func statistics(_ asked: [TextStatistic]) -> Part {
        let stats = asked.isEmpty ? TextStatistic.allCases : TextStatistic.allCases.filter(asked.contains)
        let lines = stats.map { s -> String in
            switch s {
            case .words: "  out.words = text.trim() === \"\" ? 0 : text.trim().split(/\\s+/).length;"
            case .characters: "  out.characters = [...text].length;"
            case .lines: "  out.lines = text === \"\" ? 0 : text.split(\"\\n\").length;"
            case .sentences: "  out.sentences = text.split(/[.!?]+/).filter((s) => s.trim() !== \"\").length;"
            }
        }
        var part = Part(code: """
            async function textStats(req: Request): Promise<Response> {
              const text = textOf(await body(req));
              const out: Record<string, number> = {};
            \(lines.joined(separator: "\n"))
              return json(out);
            }

            """, summary: "text statistics (\(stats.map(\.rawValue).joined(separator: ", ")))")
        var props: [String: JSONValue] = [:]
        for s in stats { props[s.rawValue] = Schema.integer }
        let out = Schema.object(props, required: stats.map(\.rawValue), closed: false)
        let names = stats.map(\.rawValue).joined(separator: ", ")
        part.route("POST", "/stats", "(req) => textStats(req)", "Statistics of {\"text\"}: \(names).", input: textInput, output: out)
        part.route("POST", "/count", "(req) => textStats(req)", "The same as POST /stats: \(names).", input: textInput, output: out)
        return part
    }

    static func transforms(_ asked: [TextTransform]) -> Part {
        let wanted = asked.isEmpty ? [TextTransform.slugify, .changeCase] : asked
        var part = Part(code: "", summary: "text transforms (" + wanted.map { $0 == .slugify ? "slugify" : "change case" }.joined(separator: ", ") + ")")
        if wanted.contains(.slugify) {
            part.code += #"""
                function slugify(s: string): string {
                  return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
                }

                """#
            part.route("POST", "/slugify", "async (req) => json({ slug: slugify(textOf(await body(req))) })", "A URL slug of {\"text\"}: {slug}.",
                       input: textInput, output: Schema.object(["slug": Schema.string], required: ["slug"], closed: false))
        }
        if wanted.contains(.changeCase) {
            part.code += #"""
                async function changeCase(req: Request): Promise<Response> {
                  const input = await body(req);
                  const text = textOf(input);
                  const to = input.to ?? "upper";
                  if (to === "upper") return json({ text: text.toUpperCase() });
                  if (to === "lower") return json({ text: text.toLowerCase() });
                  if (to === "title") return json({ text: text.toLowerCase().replace(/(^|[^\p{L}])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()) });
                  throw invalid("'to' must be upper, lower or title");
                }

                """#
            part.route("POST", "/case", "(req) => changeCase(req)", "{\"text\", \"to\": upper|lower|title (default upper)}: the text in that case.",
                       input: Schema.object(["text": ["type": "string", "maxLength": 100_000], "to": ["type": "string", "enum": ["upper", "lower", "title"]]], required: ["text"]),
                       output: Schema.object(["text": Schema.string], required: ["text"], closed: false))
        }
        return part
    }
}
