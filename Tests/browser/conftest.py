"""Shared by the browser suites: the real openpieces binary on a fresh data directory, and Debian's Chromium."""
import os, re, subprocess, tempfile, threading, time
import pytest
from playwright.sync_api import sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "op_admin_browser_test_0123456789"
# OPENPIECES_BIN runs another build (e.g. a worktree's private scratch directory).
BINARY = os.environ.get("OPENPIECES_BIN", os.path.join(ROOT, ".build/debug/openpieces"))


@pytest.fixture(scope="module")
def server():
    home = tempfile.mkdtemp(prefix="op-browser-")
    env = dict(os.environ, OPENPIECES_ADMIN_TOKEN=TOKEN)
    proc = subprocess.Popen([BINARY, "serve", "--port", "0", "--home", home],
                            env=env, stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.time() + 20
    while time.time() < deadline and port is None:
        line = proc.stderr.readline()
        m = re.search(r"event=server.listening .*port=(\d+)", line)
        if m:
            port = int(m.group(1))
    assert port, "the server did not start"
    # Keep reading its log, so a full pipe never stalls the server.
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=["--no-sandbox"])
        yield b
        b.close()


