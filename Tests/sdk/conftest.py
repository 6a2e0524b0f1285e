"""Starts the real openpieces binary (and the scripted fake LLM) for the Pieces SDK suite."""
import json
import os
import re
import subprocess
import tempfile
import time

import pytest
from pieces_os_client.api_client import ApiClient
from pieces_os_client.configuration import Configuration

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("OPENPIECES_BIN_DIR", os.path.join(ROOT, ".build", "debug"))


def _wait_for(proc, pattern, stream_name):
    stream = getattr(proc, stream_name)
    deadline = time.time() + 20
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


class Running:
    def __init__(self, args, env=None):
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def fake_llm():
    script = [{"text": ["Stream", "ed ", "answer"]}, {"text": ["Grounded ", "answer"]}] + [{"text": ["more"]}] * 20
    path = os.path.join(tempfile.mkdtemp(prefix="op-sdk-llm-"), "script.json")
    with open(path, "w") as f:
        json.dump(script, f)
    llm = Running([os.path.join(BIN, "fake-llm"), path])
    port = _wait_for(llm.proc, r"port=(\d+)", "stdout")
    yield f"http://127.0.0.1:{port}/v1"
    llm.stop()


def _serve(extra):
    home = tempfile.mkdtemp(prefix="op-sdk-home-")
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("OPENPIECES_"):
            del env[k]
    env["OPENPIECES_PIECES_PORT_FILE"] = "off"  # never touch a desktop's Pieces port file
    server = Running([os.path.join(BIN, "openpieces"), "serve", "--port", "0", "--home", home] + extra, env=env)
    port = _wait_for(server.proc, r"event=server\.listening .*port=(\d+)", "stderr")
    return server, port


@pytest.fixture(scope="session")
def offline_server():
    server, port = _serve([])
    yield port
    server.stop()


@pytest.fixture(scope="session")
def llm_server(fake_llm):
    server, port = _serve(["--llm-base-url", fake_llm, "--llm-model", "fake-model"])
    yield port
    server.stop()


@pytest.fixture(scope="session")
def api(offline_server):
    return ApiClient(Configuration(host=f"http://127.0.0.1:{offline_server}"))


@pytest.fixture(scope="session")
def llm_api(llm_server):
    return ApiClient(Configuration(host=f"http://127.0.0.1:{llm_server}"))
