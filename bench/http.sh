#!/usr/bin/env bash
# HTTP benchmark: wrk against openpieces' /.well-known/health and, in the same run, nginx serving a static
# file, so the figure is a ratio that holds across machines. Also samples the server's RSS during the runs.
#
#   bench/http.sh                  # 20 s per run, 64 and 512 connections
#   DURATION=60 bench/http.sh      # longer runs (the RSS figure is then over 60 s)
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_APT_PACKAGES="wrk nginx-light" source scripts/setup
source bench/lib.sh

DURATION=${DURATION:-20}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-"64 512"}
OP_PORT=${OP_PORT:-39390}
NGINX_PORT=${NGINX_PORT:-39391}
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers run as another user
mkdir -p bench/results
ulimit -n 65536 2>/dev/null || true

echo "bench: building release..." >&2
swift build -c release --product openpieces >/dev/null

.build/release/openpieces serve --port "$OP_PORT" --home "$work/home" --log-level warn 2>"$work/op.log" &
op_pid=$!

mkdir -p "$work/www" "$work/nginx"
printf 'ok' > "$work/www/health"; chmod -R a+rX "$work/www"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT reuseport;
    root $work/www;
    location / { default_type text/plain; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx"

cleanup() {
  kill "$op_pid" 2>/dev/null || true
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
wait_healthy "$OP_PORT"
curl -fsS "http://127.0.0.1:$NGINX_PORT/health" >/dev/null

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

run() {  # name url connections
  local out
  out=$(wrk -t"$THREADS" -c"$3" -d"${DURATION}s" --latency "$2")
  local rps p50 p99 errors non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Socket errors/ {print $0}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-10s c=%-4s %12s req/s  p50=%-9s p99=%-9s non2xx=%s %s\n' "$1" "$3" "$rps" "$p50" "$p99" "${non2xx:-0}" "${errors:-socket errors: none}"
  echo "$rps" > "$work/last_rps"
}

{
  echo "== bench/http.sh $(date -u +%FT%TZ) — ${DURATION}s per run, wrk -t$THREADS, $(nproc) cores"
  echo "openpieces RSS before: $(rss $op_pid) kB"
  for c in $CONNECTIONS; do
    # Sample the server's RSS every second while it is under load: it should stay flat.
    ( while kill -0 "$op_pid" 2>/dev/null; do rss "$op_pid" >> "$work/rss_$c"; sleep 1; done ) &
    sampler=$!
    run openpieces "http://127.0.0.1:$OP_PORT/.well-known/health" "$c"; op=$(cat "$work/last_rps")
    kill "$sampler" 2>/dev/null || true
    awk 'NR==1 {first=$1; min=$1; max=$1} {if ($1<min) min=$1; if ($1>max) max=$1; last=$1; n++}
         END {printf "openpieces RSS under load: first %s kB, last %s kB, min %s kB, max %s kB (%d samples)\n", first, last, min, max, n}' "$work/rss_$c"
    run nginx "http://127.0.0.1:$NGINX_PORT/health" "$c"; ng=$(cat "$work/last_rps")
    awk -v a="$op" -v b="$ng" 'BEGIN { printf "ratio openpieces/nginx: %.2f\n", a / b }'
  done
  echo "openpieces RSS after: $(rss $op_pid) kB"
} | tee "bench/results/http-$(date -u +%Y%m%dT%H%M%SZ).txt"
