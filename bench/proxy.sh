#!/usr/bin/env bash
# Service runtime benchmark, in one run: wrk straight to a Deno service, through openpieces' /s/<slug>/ proxy,
# and through nginx as a keep-alive reverse proxy to the same service; then deploy-to-first-200, restart after a
# crash, and the RSS of a running service.
#
#   bench/proxy.sh                 # 20 s per wrk run, 64 connections
#   DURATION=5 bench/proxy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_APT_PACKAGES="wrk nginx-light" source scripts/setup
source bench/lib.sh

DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-64}
OP_PORT=${OP_PORT:-39394}
NGINX_PORT=${NGINX_PORT:-39395}
work=$(mktemp -d)
chmod 755 "$work"
mkdir -p bench/results
ulimit -n 65536 2>/dev/null || true
cleanup() {
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  kill $(jobs -p) 2>/dev/null || true
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

echo "bench: building release..." >&2
swift build -c release --product openpieces >/dev/null
bin=.build/release/openpieces
"$bin" serve --port "$OP_PORT" --home "$work/home" --log-level warn 2>"$work/op.log" &
wait_healthy "$OP_PORT"
export OPENPIECES_URL="http://127.0.0.1:$OP_PORT"
"$bin" services create notes services/notes >/dev/null
svc_port=$(curl -fs -H "Authorization: Bearer $OPENPIECES_TOKEN" "$OPENPIECES_URL/api/v1/services/notes" | python3 -c 'import json,sys; print(json.load(sys.stdin)["port"])')

mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream deno { server 127.0.0.1:$svc_port; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { proxy_pass http://deno; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx"
sleep 0.3


# The machine is shared and noisy: the two proxies alternate for ROUNDS rounds and are compared by their medians.
ROUNDS=${ROUNDS:-3}
{
  echo "== bench/proxy.sh $(date -u +%FT%TZ) — ${DURATION}s per run, wrk -t2 -c$CONNECTIONS, $ROUNDS alternating rounds, $(nproc) cores"
  wrk -t2 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$svc_port/health" >/dev/null  # warm the service up
  summary "deno direct" "$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$svc_port/health")"
  for round in $(seq "$ROUNDS"); do
    summary "openpieces /s/notes/ #$round" "$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$OP_PORT/s/notes/health")"
    summary "nginx keep-alive proxy #$round" "$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$NGINX_PORT/health")"
  done | tee "$work/rounds.txt"
  python3 - "$work/rounds.txt" <<'PY'
import re, statistics, sys
rows = {"openpieces": [], "nginx": []}
for line in open(sys.argv[1]):
    m = re.match(r"(openpieces|nginx).*?([\d.]+) req/s\s+p50=([\d.]+)(us|ms)", line)
    if m:
        rows[m.group(1)].append((float(m.group(2)), float(m.group(3)) / (1000 if m.group(4) == "us" else 1)))
op, ng = rows["openpieces"], rows["nginx"]
rps = lambda r: statistics.median(x[0] for x in r)
p50 = lambda r: statistics.median(x[1] for x in r)
print(f"median of {len(op)}: openpieces {rps(op):.0f} req/s p50 {p50(op):.2f} ms; nginx {rps(ng):.0f} req/s p50 {p50(ng):.2f} ms; "
      f"throughput {rps(op) / rps(ng):.2f}x nginx, p50 {p50(op) - p50(ng):+.2f} ms vs nginx")
PY
  python3 - "$OPENPIECES_URL" <<'PY'
import json, os, statistics, sys, time, urllib.request, urllib.error
base = sys.argv[1]
auth = {"Authorization": "Bearer " + os.environ["OPENPIECES_TOKEN"], "Content-Type": "application/json"}
files = {p: open(f"services/notes/{p}").read() for p in ["main.ts", "service.json"]}

def ready(slug, timeout=15):
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            if urllib.request.urlopen(f"{base}/s/{slug}/health", timeout=2).status == 200:
                return time.perf_counter()
        except Exception:
            pass
        time.sleep(0.002)
    raise SystemExit(f"{slug} never answered")

deploys = []
for i in range(5):
    t0 = time.perf_counter()
    req = urllib.request.Request(f"{base}/api/v1/services", data=json.dumps({"slug": f"d{i}", "files": files}).encode(), method="POST",
                                 headers=auth)
    urllib.request.urlopen(req).read()
    deploys.append((ready(f"d{i}") - t0) * 1000)
restarts = []
for i in range(5):
    t0 = time.perf_counter()
    try:
        urllib.request.urlopen(f"{base}/s/notes/crash", timeout=5).read()
    except Exception:
        pass
    time.sleep(0.005)
    restarts.append((ready("notes") - t0) * 1000)
print(f"deploy to first 200: median {statistics.median(deploys):.0f} ms (min {min(deploys):.0f}, max {max(deploys):.0f}, n=5)")
print(f"restart after crash to 200: median {statistics.median(restarts):.0f} ms (n=5)")
rss = []
for s in json.load(urllib.request.urlopen(urllib.request.Request(f"{base}/api/v1/services", headers=auth)))["services"]:
    if s.get("pid"):
        for line in open(f"/proc/{s['pid']}/status"):
            if line.startswith("VmRSS"):
                rss.append(int(line.split()[1]) / 1024)
print(f"RSS per running service: median {statistics.median(rss):.1f} MiB over {len(rss)} services")
PY
} | tee "bench/results/proxy-$(date -u +%Y%m%dT%H%M%SZ).txt"
