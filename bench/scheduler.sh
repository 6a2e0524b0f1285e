#!/usr/bin/env bash
# Scheduler benchmark: 10,000 one-time tasks due across a minute. Reports fire lateness (p50/p99/max), runs fired
# exactly once, how soon each run finished, and the server's CPU time.
#
#   bench/scheduler.sh                 # 10,000 tasks over 60 s
#   TASKS=2000 SPREAD=20 bench/scheduler.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup
source bench/lib.sh

OP_PORT=${OP_PORT:-39394}
work=$(mktemp -d)
mkdir -p bench/results
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

echo "bench: building release..." >&2
swift build -c release --product openpieces >/dev/null
.build/release/openpieces serve --port "$OP_PORT" --home "$work/home" --log-level warn 2>"$work/op.log" &
op_pid=$!
wait_healthy "$OP_PORT"
{
  echo "== bench/scheduler.sh $(date -u +%FT%TZ) — ${TASKS:-10000} tasks over ${SPREAD:-60} s, $(nproc) cores"
  python3 bench/scheduler.py "$OP_PORT" "$work/home" "$op_pid"
} | tee -a bench/results/scheduler.txt
