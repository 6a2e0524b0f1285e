"""Real Pieces clients (the SDK's PiecesClient wrapper, pieces-cli) against the real `openpieces serve`.

The clients find Pieces OS the way they do on a desktop: by scanning ports 39300-39333 for
`HEAD /.well-known/health`. So the suite owns that range while it runs: it takes a machine-wide lock
(another checkout running this suite waits), gives anything else answering there a moment to go, and
starts the server on the first free port of the range. If something else still answers there
(``server.others_in_range()``), a client's scan could find it instead: tests that rely on the scan
check that first (see test_pieces_wrapper.py's ``client`` fixture).

Fixtures (for every file in this directory):

- ``server`` (session): the running server. ``server.port``, ``server.base`` (``http://127.0.0.1:P``),
  ``server.home`` (the temp directory used as the user's HOME: the Pieces port file lands under it),
  ``server.data`` (the data directory, ``--home``), ``server.others_in_range()``, ``server.get(path)`` / ``server.post(path, body)`` /
  ``server.call(method, path, body)`` for reading and changing state through the HTTP API (``/api/v1/*``
  calls carry the admin token), and ``server.use_llm(base_url, model)`` / ``server.use_offline()`` to point
  the server's LLM at a provider at run time (PUT/DELETE /api/v1/settings/llm).
- ``cli_env`` (function): an environment dict for running a client as a subprocess (e.g. ``pieces``):
  HOME is a fresh temp dir (so client settings and caches never touch the real home), no OPENPIECES_*,
  the venv's bin first on PATH.
- ``fake_llm`` (function): a factory ``fake_llm(turns, chunk_delay=0.01)`` that starts the scripted
  OpenAI-compatible fake (``fake-llm``; turns as in Tests/FakeLLMMain, e.g. ``[{"text": ["Hel", "lo"]}]``)
  and returns its base URL (``.../v1``); it plays one turn per request and stops after the test.
- ``wait_until(predicate, timeout=20, what="...")``: polls until predicate() is truthy (clients update
  their caches from WebSockets, asynchronously).
"""
import fcntl
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("OPENPIECES_BIN_DIR", os.path.join(ROOT, ".build", "debug"))
PIECES_PORTS = range(39300, 39334)  # what the SDK wrapper scans
ADMIN_TOKEN = "clients-suite-admin-token-0123456789"
LOCK_PATH = os.path.join(tempfile.gettempdir(), "openpieces-clients-test.lock")


def _wait_for_line(proc, pattern, stream_name, timeout=30):
    stream = getattr(proc, stream_name)
    deadline = time.time() + timeout
    seen = ""
    while time.time() < deadline:
        line = stream.readline()
        if not line:
            break
        seen += line
        m = re.search(pattern, line)
        if m:
            return int(m.group(1))
    raise RuntimeError(f"process did not report its port; output so far:\n{seen}")


def _answers_health(port):
    """What the wrapper's scan does: HEAD /.well-known/health answered 200."""
    try:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/.well-known/health", method="HEAD")
        with urllib.request.urlopen(req, timeout=0.5) as r:
            return r.status == 200
    except Exception:
        return False


def _others_in_range(ours):
    return [p for p in PIECES_PORTS if p != ours and not _bindable(p) and _answers_health(p)]


def _bindable(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME-WAIT leftovers do not count
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Server:
    def __init__(self, proc, port, home, data):
        self.proc, self.port, self.home, self.data = proc, port, home, data
        self.base = f"http://127.0.0.1:{port}"
        self.log = []  # the server's stderr lines after start-up (drained, so the pipe never fills)
        threading.Thread(target=lambda: self.log.extend(iter(proc.stderr.readline, "")), daemon=True).start()

    def others_in_range(self):
        """Ports of 39300-39333 where something else answers /.well-known/health (another Pieces OS, another
        openpieces, a test server that got an ephemeral port there): a client's scan may find those instead."""
        return _others_in_range(self.port)

    def call(self, method, path, body=None):
        """(status, parsed JSON or text) of one request; /api/v1/* carries the admin token."""
        headers = {"Content-Type": "application/json"}
        if path.startswith("/api/v1/"):
            headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def get(self, path):
        status, body = self.call("GET", path)
        assert status == 200, f"GET {path} answered {status}: {body}"
        return body

    def post(self, path, body=None):
        status, out = self.call("POST", path, body)
        assert status == 200, f"POST {path} answered {status}: {out}"
        return out

    def use_llm(self, base_url, model):
        status, out = self.call("PUT", "/api/v1/settings/llm", {"baseUrl": base_url, "model": model, "provider": "openai"})
        assert status == 200, out
        return out

    def use_offline(self):
        status, out = self.call("DELETE", "/api/v1/settings/llm")
        assert status == 200, out


@pytest.fixture(scope="session")
def server():
    lock = open(LOCK_PATH, "w")
    deadline = time.time() + 600
    while True:  # one suite at a time on this machine: the clients' port scan sees the whole range
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.time() > deadline:
                pytest.fail(f"another clients suite has held {LOCK_PATH} for 10 minutes")
            time.sleep(1)
    # Anything else answering in the range could be found by the clients' scan instead of us: give it a moment to go.
    deadline = time.time() + 20
    while _others_in_range(None) and time.time() < deadline:
        time.sleep(1)
    home = tempfile.mkdtemp(prefix="op-clients-home-")
    data = os.path.join(home, "openpieces-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPIECES_")}
    env.update({"HOME": home, "OPENPIECES_ADMIN_TOKEN": ADMIN_TOKEN})
    proc = port = None
    for candidate in PIECES_PORTS:
        if not _bindable(candidate):
            continue
        proc = subprocess.Popen([os.path.join(BIN, "openpieces"), "serve", "--port", str(candidate), "--home", data,
                                 "--pieces-port-file"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            port = _wait_for_line(proc, r"event=server\.listening .*port=(\d+)", "stderr")
            break
        except RuntimeError:
            proc.kill()  # lost the port to someone else meanwhile: try the next
            proc = None
    if proc is None:
        pytest.fail(f"no free port in {PIECES_PORTS.start}-{PIECES_PORTS.stop - 1}")
    srv = Server(proc, port, home, data)
    yield srv
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()


@pytest.fixture
def cli_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPIECES_")}
    env["HOME"] = tempfile.mkdtemp(prefix="op-clients-cli-home-")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


@pytest.fixture
def fake_llm():
    started = []

    def start(turns, chunk_delay=0.01):
        path = os.path.join(tempfile.mkdtemp(prefix="op-clients-llm-"), "script.json")
        with open(path, "w") as f:
            json.dump(turns, f)
        proc = subprocess.Popen([os.path.join(BIN, "fake-llm"), "--chunk-delay", str(chunk_delay), path],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(proc)
        port = _wait_for_line(proc, r"port=(\d+)", "stdout")
        return f"http://127.0.0.1:{port}/v1"

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def wait_until():
    def wait(predicate, timeout=20, what="the condition"):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except Exception as e:  # caches fill asynchronously: a lookup may fail until they do
                last = e
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
    return wait
