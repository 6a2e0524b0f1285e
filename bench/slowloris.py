"""Holds CONNECTIONS sockets open sending a request head one byte at a time (slowloris), plus some that send
oversized headers, while timing a normal client's requests. Prints the normal client's latency and what the
server did to the slow ones."""
import socket, statistics, sys, threading, time, urllib.request

port, seconds, count = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
closed = {"slow": 0, "big": 0}
stop = time.time() + seconds

def slow():
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        for b in b"GET /.well-known/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000:
            if time.time() > stop:
                break
            s.send(bytes([b]))
            time.sleep(0.5)
    except OSError:
        closed["slow"] += 1

def big():
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
        data = s.recv(200)
        if data.startswith(b"HTTP/1.1 431") or data.startswith(b"HTTP/1.1 400") or not data:
            closed["big"] += 1
    except OSError:
        closed["big"] += 1

threads = [threading.Thread(target=slow, daemon=True) for _ in range(count)] + [threading.Thread(target=big, daemon=True) for _ in range(20)]
for t in threads:
    t.start()
latencies, failures = [], 0
while time.time() < stop:
    t0 = time.perf_counter()
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/health", timeout=5).read()
        latencies.append((time.perf_counter() - t0) * 1000)
    except Exception:
        failures += 1
    time.sleep(0.05)
latencies.sort()
print(f"slowloris: {count} slow clients + 20 oversized heads for {seconds:.0f} s; normal client: {len(latencies)} requests, "
      f"{failures} failed, p50 {statistics.median(latencies):.1f} ms, p99 {latencies[int(len(latencies) * 0.99) - 1]:.1f} ms; "
      f"slow clients cut off: {closed['slow']}/{count}, oversized refused: {closed['big']}/20")
