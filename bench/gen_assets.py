"""Writes N synthetic snippets as JSON Lines for `openpieces import-assets` (deterministic: seed 42)."""
import json
import random
import sys

n = int(sys.argv[1])
rng = random.Random(42)
words = ("webhook summary parse json retry backoff docker compose sqlite index cron schedule fetch weather oauth token "
         "refresh git rebase stream events cache invalidate queue worker deploy service health check metrics log "
         "rotate backup restore encrypt secret upload image resize thumbnail email notify slack channel report daily "
         "weekly monthly invoice payment refund customer order inventory search rank embed vector prompt model").split()
langs = [
    ("py", "def {a}_{b}(data):\n    result = {c}(data)\n    return result  # {d} {e}\n"),
    ("ts", "export async function {a}{B}(input: string): Promise<string> {{\n  const r = await {c}(input); // {d} {e}\n  return r;\n}}\n"),
    ("go", "func {A}{B}(ctx context.Context) error {{\n\treturn {c}(ctx) // {d} {e}\n}}\n"),
    ("sh", "#!/bin/sh\n# {a} {b}\n{c} --{d} \"$1\" | {e}\n"),
]
with sys.stdout as out:
    for i in range(n):
        a, b, c, d, e = (rng.choice(words) for _ in range(5))
        _, tmpl = rng.choice(langs)
        text = tmpl.format(a=a, b=b, c=c, d=d, e=e, A=a.capitalize(), B=b.capitalize())
        out.write(json.dumps({"name": f"{a} {b} {i}", "text": text}) + "\n")
