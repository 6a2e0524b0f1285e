"""Scheduler benchmark driver: creates TASKS one-time tasks due across SPREAD seconds, waits for them to fire,
then reads fire lateness (run created - scheduled) from the database and the server's CPU time from /proc."""
import http.client, json, os, sqlite3, statistics, sys, time
from datetime import datetime, timezone, timedelta

port, home, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
tasks, spread, lead = int(os.environ.get("TASKS", 10000)), float(os.environ.get("SPREAD", 60)), float(os.environ.get("LEAD", 20))

def call(conn, method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + os.environ["OPENPIECES_TOKEN"]})
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        raise SystemExit(f"{method} {path}: {r.status} {data[:200]!r}")
    return json.loads(data) if data else None

def iso(d):
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"

def cpu_seconds():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

conn = http.client.HTTPConnection("127.0.0.1", port)
call(conn, "POST", "/api/v1/workflows", {"slug": "tick", "steps": ["Report \"tick {{scheduledFor}}\""]})
start = datetime.now(timezone.utc) + timedelta(seconds=lead)
t0 = time.time()
for i in range(tasks):
    call(conn, "POST", "/api/v1/tasks", {"workflow": "tick", "at": iso(start + timedelta(seconds=spread * i / tasks))})
created_s = time.time() - t0
if datetime.now(timezone.utc) >= start:
    raise SystemExit(f"creating {tasks} tasks took {created_s:.1f} s, past the first due time: raise LEAD")
print(f"created {tasks} tasks in {created_s:.1f} s ({tasks / created_s:.0f}/s); first due in {(start - datetime.now(timezone.utc)).total_seconds():.1f} s",
      file=sys.stderr)
while datetime.now(timezone.utc) < start:
    time.sleep(0.05)
cpu0 = cpu_seconds()
end = start + timedelta(seconds=spread)
while datetime.now(timezone.utc) < end + timedelta(seconds=2):
    time.sleep(0.2)
cpu_window = cpu_seconds() - cpu0
# Let the queued runs finish before counting them.
db = sqlite3.connect(f"file:{home}/openpieces.sqlite?mode=ro", uri=True)
deadline = time.time() + 120
while time.time() < deadline:
    left = db.execute("SELECT COUNT(*) FROM runs WHERE status IN ('queued','running')").fetchone()[0]
    if left == 0:
        break
    time.sleep(0.5)
cpu_total = cpu_seconds() - cpu0
rows = db.execute("SELECT scheduled_for, created, started, finished, status FROM runs WHERE cause = 'task'").fetchall()
parse = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
late = sorted((parse(c) - parse(s)).total_seconds() * 1000 for s, c, _, _, _ in rows)
done = sorted((parse(f) - parse(s)).total_seconds() * 1000 for s, _, _, f, st in rows if f)
dupes = db.execute("SELECT COUNT(*) FROM (SELECT task_id FROM runs WHERE cause='task' GROUP BY task_id HAVING COUNT(*) > 1)").fetchone()[0]
status = dict(db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())
pct = lambda xs, p: xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")
print(f"fired {len(rows)}/{tasks} (tasks fired twice: {dupes}); runs by status: {status}")
print(f"fire lateness ms: p50={pct(late, .5):.1f} p99={pct(late, .99):.1f} max={late[-1] if late else float('nan'):.1f} (min={late[0] if late else float('nan'):.1f})")
print(f"due→run finished ms: p50={pct(done, .5):.1f} p99={pct(done, .99):.1f} max={done[-1] if done else float('nan'):.1f}")
print(f"server CPU: {cpu_window:.1f} s during the {spread:.0f} s window ({100 * cpu_window / spread:.0f}% of one core), {cpu_total:.1f} s until every run finished")
