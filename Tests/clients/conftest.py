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
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pyshared"))
from openpieces_proc import clean_env, fake_llm as start_fake_llm, serve  # noqa: E402

PIECES_PORTS = range(39300, 39334)  # what the SDK wrapper scans
ADMIN_TOKEN = "clients-suite-admin-token-0123456789"
LOCK_PATH = os.path.join(tempfile.gettempdir(), "openpieces-clients-test.lock")


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
    def __init__(self, running, home, data):
        self.running, self.proc, self.port, self.home, self.data = running, running.proc, running.port, home, data
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = running.drain()  # the server's stderr lines after start-up (drained, so the pipe never fills)

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
    env = clean_env()
    env.update({"HOME": home, "OPENPIECES_ADMIN_TOKEN": ADMIN_TOKEN})
    running = None
    for candidate in PIECES_PORTS:
        if not _bindable(candidate):
            continue
        try:
            running = serve(data, ["--pieces-port-file"], env=env, port=candidate)
            break
        except RuntimeError:
            running = None  # lost the port to someone else meanwhile (the process was killed): try the next
    if running is None:
        pytest.fail(f"no free port in {PIECES_PORTS.start}-{PIECES_PORTS.stop - 1}")
    srv = Server(running, home, data)
    yield srv
    running.stop()
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()


@pytest.fixture
def cli_env():
    env = clean_env()
    env["HOME"] = tempfile.mkdtemp(prefix="op-clients-cli-home-")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


@pytest.fixture
def fake_llm():
    started = []

    def start(turns, chunk_delay=0.01):
        llm, base_url = start_fake_llm(turns, chunk_delay=chunk_delay, prefix="op-clients-llm-")
        started.append(llm)
        return base_url

    yield start
    for llm in started:
        llm.stop(timeout=10)


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
