"""Starts the real openpieces binary for the OpenAPI suite, with a known admin token."""
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pyshared"))
from openpieces_proc import ROOT, clean_env, serve  # noqa: E402

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
    env = clean_env()
    env["OPENPIECES_ADMIN_TOKEN"] = TOKEN
    running = serve(tempfile.mkdtemp(prefix="op-openapi-home-"), env=env)
    # Keep reading stderr so the server never blocks on a full pipe; the log is kept for failure reports.
    log = running.drain()
    yield API(running.port), log
    running.stop()


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
