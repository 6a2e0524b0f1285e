"""Starts the real openpieces binary for the MCP suite, with an admin token so tests can deploy services."""
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("OPENPIECES_BIN_DIR", os.path.join(ROOT, ".build", "debug"))
TOKEN = "mcp-suite-admin-token-0123456789"


class Server:
    def __init__(self, extra=None):
        self.home = tempfile.mkdtemp(prefix="op-mcp-home-")
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPIECES_") or k == "OPENPIECES_DENO"}
        env["OPENPIECES_ADMIN_TOKEN"] = TOKEN
        self.proc = subprocess.Popen([os.path.join(BIN, "openpieces"), "serve", "--port", "0", "--home", self.home] + (extra or []),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.time() + 30
        seen = ""
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            seen += line
            m = re.search(r"event=server\.listening .*port=(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        else:
            raise RuntimeError(f"openpieces did not report its port:\n{seen}")
        if not hasattr(self, "port"):
            raise RuntimeError(f"openpieces exited:\n{seen}")
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
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    s.stop()
