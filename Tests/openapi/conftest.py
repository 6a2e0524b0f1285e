"""Starts the real openpieces binary for the OpenAPI suite, with a known admin token."""
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("OPENPIECES_BIN_DIR", os.path.join(ROOT, ".build", "debug"))
TOKEN = "op-openapi-suite-" + os.urandom(8).hex()


class API:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method, path, body=None, token=TOKEN, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"Content-Type": "application/json"})
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text


@pytest.fixture(scope="session")
def server():
    home = tempfile.mkdtemp(prefix="op-openapi-home-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPIECES_")}
    env["OPENPIECES_ADMIN_TOKEN"] = TOKEN
    proc = subprocess.Popen([os.path.join(BIN, "openpieces"), "serve", "--port", "0", "--home", home],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    deadline, seen, port = time.time() + 30, "", None
    while time.time() < deadline and port is None:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
        m = re.search(r"event=server\.listening .*port=(\d+)", line)
        if m:
            port = int(m.group(1))
    if port is None:
        proc.kill()
        raise RuntimeError(f"the server did not report its port; output so far:\n{seen}")
    # Keep reading stderr so the server never blocks on a full pipe; the log is kept for failure reports.
    log = []
    threading.Thread(target=lambda: [log.append(l) for l in proc.stderr], daemon=True).start()
    yield API(port), log
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def api(server):
    return server[0]


def deploy(api, slug):
    """The example `notes` service under `slug`, deployed through the API (Deno is found automatically)."""
    status, body = api.call("POST", "/api/v1/services", {"slug": slug, "directory": os.path.join(ROOT, "services", "notes")})
    assert status == 201, body
    return body


@pytest.fixture(scope="session")
def notes(api):
    return deploy(api, "notes")
