#!/usr/bin/env bash
# Pieces API benchmark: asset search latency at 100k assets, and QGPT's overhead over the LLM it calls.
#
#   bench/pieces.sh              # 100k assets, 20 s per run
#   ASSETS=10000 DURATION=5 bench/pieces.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_APT_PACKAGES="wrk bc" source scripts/setup
source bench/lib.sh

ASSETS=${ASSETS:-100000}
DURATION=${DURATION:-20}
OP_PORT=${OP_PORT:-39392}
LLM_PORT=${LLM_PORT:-39393}
work=$(mktemp -d)
mkdir -p bench/results
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

echo "bench: building release..." >&2
swift build -c release --product openpieces >/dev/null
swift build -c release --product fake-llm >/dev/null
bin=.build/release

python3 bench/gen_assets.py "$ASSETS" > "$work/assets.jsonl"
import_start=$(date +%s.%N)
"$bin/openpieces" import-assets "$work/assets.jsonl" --home "$work/home" --log-level warn >/dev/null
import_s=$(echo "$(date +%s.%N) - $import_start" | bc)

echo '[{"text": ["The ", "answer ", "is ", "42."]}]' > "$work/script.json"
"$bin/fake-llm" --loop --chunk-delay 0 --port "$LLM_PORT" "$work/script.json" >/dev/null &
"$bin/openpieces" serve --port "$OP_PORT" --home "$work/home" --log-level warn \
  --llm-base-url "http://127.0.0.1:$LLM_PORT/v1" --llm-model fake-model 2>"$work/op.log" &
wait_healthy "$OP_PORT"


chat='{"model":"fake-model","stream":true,"messages":[{"role":"user","content":"hi"}]}'
question='{"query":"what is the answer?","relevant":{"iterable":[]}}'
{
  echo "== bench/pieces.sh $(date -u +%FT%TZ) — $ASSETS assets, ${DURATION}s per run, $(nproc) cores"
  printf 'import-assets: %s assets in %.1f s (%.0f/s)\n' "$ASSETS" "$import_s" "$(echo "$ASSETS / $import_s" | bc -l)"
  summary "search c=1" "$(wrk -t1 -c1 -d"${DURATION}s" --latency -s bench/lua/search.lua "http://127.0.0.1:$OP_PORT")"
  summary "search c=8" "$(wrk -t2 -c8 -d"${DURATION}s" --latency -s bench/lua/search.lua "http://127.0.0.1:$OP_PORT")"
  summary "fake LLM direct c=1" "$(BODY="$chat" wrk -t1 -c1 -d"${DURATION}s" --latency -s bench/lua/post.lua "http://127.0.0.1:$LLM_PORT/v1/chat/completions")"
  summary "qgpt/question via LLM c=1" "$(BODY="$question" wrk -t1 -c1 -d"${DURATION}s" --latency -s bench/lua/post.lua "http://127.0.0.1:$OP_PORT/qgpt/question")"
} | tee "bench/results/pieces-$(date -u +%Y%m%dT%H%M%SZ).txt"
