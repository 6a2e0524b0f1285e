#!/usr/bin/env bash
# Soak: wrk with 1,000 connections for DURATION (default 5 min) against a mix of the Pieces API, the platform API
# and a proxied service, sampling RSS and open file descriptors every 10 s; then slowloris and oversized-header
# clients against a normal one. Long: not part of scripts/test.
#
#   bench/soak.sh                   # 5 minutes
#   DURATION=60 bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_APT_PACKAGES="wrk" source scripts/setup
source bench/lib.sh
DURATION=${DURATION:-300}
OP_PORT=${OP_PORT:-39396}
TOKEN=$OPENPIECES_ADMIN_TOKEN
work=$(mktemp -d)
mkdir -p bench/results
ulimit -n 65536 2>/dev/null || true
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
echo "bench: building release..." >&2
swift build -c release --product openpieces >/dev/null
.build/release/openpieces serve --port "$OP_PORT" --home "$work/home" --log-level warn 2>"$work/op.log" &
op_pid=$!
wait_healthy "$OP_PORT" || { cat "$work/op.log" >&2; exit 1; }
OPENPIECES_URL="http://127.0.0.1:$OP_PORT" .build/release/openpieces services create notes services/notes >/dev/null
python3 bench/gen_assets.py 2000 > "$work/assets.jsonl"
sample() { echo "$(($(date +%s) - start))s rss=$(awk '/VmRSS/ {print $2}' /proc/$op_pid/status)kB fds=$(ls /proc/$op_pid/fd | wc -l)"; }
{
  echo "== bench/soak.sh $(date -u +%FT%TZ) — wrk -t2 -c1000 -d${DURATION}s, mixed paths, $(nproc) cores"
  start=$(date +%s)
  sample
  TOKEN=$TOKEN wrk -t2 -c1000 -d"${DURATION}s" --latency -s bench/lua/mix.lua "http://127.0.0.1:$OP_PORT" > "$work/wrk.txt" &
  wrk_pid=$!
  while kill -0 $wrk_pid 2>/dev/null; do sleep 10; sample; done
  summary "mix (1000 connections)" "$(cat "$work/wrk.txt")"
  grep -E "Socket errors|Non-2xx" "$work/wrk.txt" || echo "no socket errors, no non-2xx"
  sample
  python3 bench/slowloris.py "$OP_PORT" 30 300
  sample
} | tee -a bench/results/soak.txt
