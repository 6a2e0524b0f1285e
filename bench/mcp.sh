#!/usr/bin/env bash
# MCP overhead, in one run: the notes example's `GET /notes` called straight on Deno, through the /s/notes/ proxy,
# and as the MCP tool `notes__get_notes` (streamable HTTP tools/call: JSON-RPC parse, tool lookup, the validated
# endpoint call, the JSON-RPC answer). Same service, same answer; wrk, alternating rounds, medians compared.
#
#   bench/mcp.sh                 # 10 s per wrk run, 16 connections
#   DURATION=5 bench/mcp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_APT_PACKAGES="wrk" source scripts/setup
source bench/lib.sh

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
ROUNDS=${ROUNDS:-3}
OP_PORT=${OP_PORT:-39396}
work=$(mktemp -d)
mkdir -p bench/results
cleanup() { kill $(jobs -p) 2>/dev/null || true; sleep 0.5; rm -rf "$work"; }
trap cleanup EXIT

echo "bench: building release..." >&2
quiet_build -c release --product openpieces
bin=.build/release/openpieces
"$bin" serve --port "$OP_PORT" --home "$work/home" --log-level warn --no-pieces-port-file 2>"$work/op.log" &
wait_healthy "$OP_PORT"
export OPENPIECES_URL="http://127.0.0.1:$OP_PORT"
"$bin" services create notes services/notes >/dev/null
svc_port=$(curl -fs -H "Authorization: Bearer $OPENPIECES_TOKEN" "$OPENPIECES_URL/api/v1/services/notes" | python3 -c 'import json,sys; print(json.load(sys.stdin)["port"])')
for i in 1 2 3; do curl -fs -X POST -H 'Content-Type: application/json' -d "{\"text\":\"note $i\"}" "http://127.0.0.1:$svc_port/notes" >/dev/null; done

# One MCP session for the whole run, as a connected assistant keeps.
session=$(curl -fsS -D - -o /dev/null -X POST "$OPENPIECES_URL/mcp" -H 'Content-Type: application/json' \
  -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
  | awk -F': ' 'tolower($1)=="mcp-session-id" {print $2}' | tr -d '\r')
[ -n "$session" ] || { echo "bench: initialize gave no session" >&2; exit 1; }
export SESSION=$session
export BODY='{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"notes__get_notes","arguments":{}}}'
curl -fsS -X POST "$OPENPIECES_URL/mcp" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -H "Mcp-Session-Id: $SESSION" -H 'MCP-Protocol-Version: 2025-06-18' -d "$BODY" | grep -q 'note 3' \
  || { echo "bench: the MCP tool call did not answer the notes" >&2; exit 1; }

{
  echo "== bench/mcp.sh $(date -u +%FT%TZ) — ${DURATION}s per run, wrk -t2 -c$CONNECTIONS, $ROUNDS alternating rounds, $(nproc) cores"
  wrk -t2 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$svc_port/notes" >/dev/null  # warm up
  for round in $(seq "$ROUNDS"); do
    summary "deno direct #$round" "$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$svc_port/notes")"
    summary "proxy /s/notes/ #$round" "$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$OPENPIECES_URL/s/notes/notes")"
    summary "mcp tools/call #$round" "$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/lua/mcp.lua "$OPENPIECES_URL/mcp")"
  done | tee "$work/rounds.txt"
  python3 - "$work/rounds.txt" <<'PY'
import re, statistics, sys
rows = {"deno": [], "proxy": [], "mcp": []}
for line in open(sys.argv[1]):
    m = re.match(r"(deno|proxy|mcp).*?([\d.]+) req/s\s+p50=([\d.]+)(us|ms)", line)
    if m:
        rows[m.group(1)].append((float(m.group(2)), float(m.group(3)) / (1000 if m.group(4) == "us" else 1)))
rps = {k: statistics.median(x[0] for x in v) for k, v in rows.items()}
p50 = {k: statistics.median(x[1] for x in v) for k, v in rows.items()}
print(f"medians: deno {rps['deno']:.0f} req/s p50 {p50['deno']:.2f} ms; proxy {rps['proxy']:.0f} req/s p50 {p50['proxy']:.2f} ms; "
      f"mcp {rps['mcp']:.0f} req/s p50 {p50['mcp']:.2f} ms")
print(f"mcp tools/call: {rps['mcp'] / rps['deno']:.2f}x deno direct, {rps['mcp'] / rps['proxy']:.2f}x the proxy; p50 {p50['mcp'] - p50['deno']:+.2f} ms vs deno")
PY
} | tee -a bench/results/mcp.txt
