"""Starts the real openpieces binary for the MCP suite, with an admin token so tests can deploy services."""
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pyshared"))
from openpieces_proc import ROOT, clean_env, serve  # noqa: E402

TOKEN = "mcp-suite-admin-token-0123456789"


class Server:
    def __init__(self, extra=None):
        self.home = tempfile.mkdtemp(prefix="op-mcp-home-")
        env = clean_env(keep=("OPENPIECES_DENO",))
        env["OPENPIECES_ADMIN_TOKEN"] = TOKEN
        self.running = serve(self.home, extra or [], env=env)
        self.log = self.running.drain()  # so a full pipe never stalls the server
        self.proc, self.port = self.running.proc, self.running.port
        self.base = f"http://127.0.0.1:{self.port}"

    def call(self, method, path, body=None, headers=None, admin=True):
        h = {"Content-Type": "application/json"}
        if admin:
            h["Authorization"] = f"Bearer {TOKEN}"
        h.update(headers or {})
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw.decode()

    def deploy(self, slug, example):
        d = os.path.join(ROOT, "services", example)
        files = {n: open(os.path.join(d, n)).read() for n in os.listdir(d) if n.endswith((".ts", ".json"))}
        status, body = self.call("POST", "/api/v1/services", {"slug": slug, "files": files})
        assert status == 201, body
        return self.wait(slug, "running")

    def wait(self, slug, status, seconds=30):
        deadline = time.time() + seconds
        last = None
        while time.time() < deadline:
            _, last = self.call("GET", f"/api/v1/services/{slug}")
            if last and last.get("status") == status:
                return last
            time.sleep(0.1)
        raise AssertionError(f"{slug} never became {status}: {last}")

    def stop(self):
        self.running.stop()


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    s.stop()
