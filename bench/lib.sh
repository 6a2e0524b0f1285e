# Shared by the bench scripts (sourced).

# The admin token of the servers the benches start, and what their CLI calls and clients send.
export OPENPIECES_ADMIN_TOKEN=op_admin_bench_0123456789abcdef
export OPENPIECES_TOKEN=$OPENPIECES_ADMIN_TOKEN

# Waits up to 15 s for an openpieces server to answer its health check.
wait_healthy() {  # port
  for _ in $(seq 150); do curl -fs "http://127.0.0.1:$1/.well-known/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench: the server on port $1 did not come up" >&2
  return 1
}

# One line from wrk --latency output: req/s, p50, p99, non-2xx count, socket errors if any.
summary() {  # name, wrk output
  awk -v name="$1" '/Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} /Non-2xx/ {bad=$NF} /Socket errors/ {err=$0}
    END {printf "%-28s %10s req/s  p50=%-9s p99=%-9s non2xx=%s %s\n", name, rps, p50, p99, bad+0, err}' <<<"$2"
}
