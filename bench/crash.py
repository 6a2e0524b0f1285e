"""Crash test: kill -9 the server while it writes, runs workflows and deploys, ROUNDS times, and check after each
restart that no acknowledged write is lost, no run is executed twice, no Deno process is orphaned, and the database
passes PRAGMA integrity_check."""
import json, os, random, uuid, re, signal, sqlite3, subprocess, sys, threading, time, urllib.request, urllib.error

binary, home, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
TOKEN = "op_admin_crash_test_0123456789abcdef"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
env = dict(os.environ, OPENPIECES_ADMIN_TOKEN=TOKEN, OPENPIECES_RUN_RETRY_BASE="0.2")

def start():
    p = subprocess.Popen([binary, "serve", "--port", "0", "--home", home], env=env,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while time.time() < deadline:
        line = p.stderr.readline()
        m = re.search(r"event=server.listening .*port=(\d+)", line)
        if m:
            threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()  # keep draining
            return p, f"http://127.0.0.1:{m.group(1)}"
    raise SystemExit("the server did not start")

def call(base, method, path, body=None, timeout=10):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        data = r.read()
        return r.status, (json.loads(data) if data else None)

def deno_children():
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
            if "deno" in cmd and "run" in cmd and os.readlink(f"/proc/{pid}/cwd").startswith(home):
                out.append(int(pid))
        except OSError:
            pass
    return out

files = {n: open(os.path.join(ROOT, "services/notes", n)).read() for n in ["main.ts", "service.json"]}
proc, base = start()
call(base, "POST", "/api/v1/services", {"slug": "notes", "files": files})
call(base, "POST", "/api/v1/workflows", {"slug": "note", "actions": ["notes"],
                                         "steps": ["Call notes POST /notes with {\"text\": \"{{input.n}}\"}"]})
acked_writes, acked_runs = [], []
stats = {"kills": 0, "writes": 0, "runs": 0, "deploys": 0}
for r in range(rounds):
    stop = threading.Event()
    def writer():
        k = 0
        while not stop.is_set():
            k += 1
            text = f"crash write {uuid.uuid4().hex}"
            try:
                s, _ = call(base, "POST", "/api/v1/brain", {"kind": "fact", "text": text}, timeout=5)
                if s == 201:
                    acked_writes.append(text)
            except Exception:
                return
    def runner():
        k = 0
        while not stop.is_set():
            k += 1
            n = f"run-{r}-{k}"
            try:
                s, run = call(base, "POST", "/api/v1/workflows/note/run", {"input": {"n": n}}, timeout=5)
                if s == 202:
                    acked_runs.append((run["id"], n))
            except Exception:
                return
    def deployer():
        try:
            call(base, "POST", "/api/v1/services", {"slug": f"d{r}", "files": files}, timeout=10)
            stats["deploys"] += 1
        except Exception:
            pass
    threads = [threading.Thread(target=f, daemon=True) for f in (writer, runner, deployer)]
    for t in threads:
        t.start()
    time.sleep(random.uniform(0.3, 1.2))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stats["kills"] += 1
    stop.set()
    for t in threads:
        t.join(timeout=10)
    # Services die with the server (parent-death signal): none may outlive it.
    deadline = time.time() + 5
    while deno_children() and time.time() < deadline:
        time.sleep(0.05)
    assert not deno_children(), f"round {r}: orphan Deno processes {deno_children()}"
    db = sqlite3.connect(f"file:{home}/openpieces.sqlite?mode=ro", uri=True)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"round {r}: integrity_check failed"
    db.close()
    proc, base = start()
    print(f"round {r + 1}/{rounds}: {len(acked_writes)} writes and {len(acked_runs)} runs acknowledged so far", file=sys.stderr)

# Let every acknowledged run finish, then check.
deadline = time.time() + 120
while time.time() < deadline:
    _, q = call(base, "GET", "/api/v1/runs?status=queued&limit=1")
    _, running = call(base, "GET", "/api/v1/runs?status=running&limit=1")
    if not q["runs"] and not running["runs"]:
        break
    time.sleep(0.5)
db = sqlite3.connect(f"file:{home}/openpieces.sqlite?mode=ro", uri=True)
facts = {row[0] for row in db.execute("SELECT text FROM brain_entries")} if db.execute(
    "SELECT 1 FROM sqlite_master WHERE name = 'brain_entries'").fetchone() else set()
lost = [w for w in acked_writes if w not in facts]
statuses = dict(db.execute("SELECT id, status FROM runs").fetchall())
missing_runs = [i for i, _ in acked_runs if i not in statuses]
unfinished = [i for i, _ in acked_runs if statuses.get(i) != "succeeded"]
_, notes = call(base, "GET", "/s/notes/notes")
texts = [n["text"] for n in notes["notes"]]
twice = [n for _, n in acked_runs if texts.count(n) > 1]
proc.send_signal(signal.SIGTERM)
proc.wait(timeout=30)
time.sleep(0.5)
print(f"kills: {stats['kills']}; acknowledged writes: {len(acked_writes)}, lost: {len(lost)}; acknowledged runs: {len(acked_runs)}, "
      f"missing: {len(missing_runs)}, not succeeded: {len(unfinished)}, executed twice: {len(twice)}; deploys started: {stats['deploys']}; "
      f"orphan Deno processes: {len(deno_children())}; integrity_check: ok")
ok = not lost and not missing_runs and not unfinished and not twice and not deno_children()
sys.exit(0 if ok else 1)
