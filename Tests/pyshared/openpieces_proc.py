"""Process helpers shared by the Python suites (sdk, clients, mcp, openapi): start the real binaries from
OPENPIECES_BIN_DIR (default .build/debug), read the port each reports, keep their output drained, stop them.

Each suite's conftest.py puts this directory on sys.path itself, so `pytest Tests/<suite>` finds it however it
is started (the scripts under scripts/ need nothing extra).
"""
import json
import os
import re
import subprocess
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("OPENPIECES_BIN_DIR", os.path.join(ROOT, ".build", "debug"))
# The server's start-up line; the suites read the port from it (nothing else on that line ends in port=).
LISTENING = r"event=server\.listening .*port=(\d+)"


def clean_env(keep=()):
    """This process's environment without OPENPIECES_* settings (but those named in `keep`): a developer's own
    settings never leak into the server under test."""
    return {k: v for k, v in os.environ.items() if not k.startswith("OPENPIECES_") or k in keep}


def wait_for(proc, pattern, stream_name, timeout=30):
    """The first group of the first line of `proc`'s stdout or stderr matching `pattern`, as an int (a port)."""
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


class Running:
    """A child process with text pipes; `port` is set by `wait_for_port`."""

    def __init__(self, args, env=None, stdout=subprocess.PIPE, stderr=subprocess.PIPE):
        self.proc = subprocess.Popen(args, stdout=stdout, stderr=stderr, text=True, env=env)
        self.port = None

    def wait_for_port(self, pattern, stream_name, timeout=30):
        try:
            self.port = wait_for(self.proc, pattern, stream_name, timeout)
        except RuntimeError:
            self.proc.kill()
            raise
        return self.port

    def drain(self, stream_name="stderr"):
        """Keeps reading a pipe on a thread, so the child never blocks on a full one; answers the list the lines
        land in (for failure reports)."""
        lines = []
        stream = getattr(self.proc, stream_name)
        threading.Thread(target=lambda: lines.extend(iter(stream.readline, "")), daemon=True).start()
        return lines

    def stop(self, timeout=15):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def serve(home, extra=(), env=None, port=0, stdout=subprocess.DEVNULL):
    """`openpieces serve` on `home`, started and listening: answers the Running (its `port` set)."""
    args = [os.path.join(BIN, "openpieces"), "serve", "--port", str(port), "--home", home] + list(extra)
    server = Running(args, env=clean_env() if env is None else env, stdout=stdout)
    server.wait_for_port(LISTENING, "stderr")
    return server


def fake_llm(turns, chunk_delay=None, prefix="op-llm-"):
    """The scripted OpenAI-compatible fake playing `turns` (see Tests/FakeLLMMain): answers the Running and its
    base URL (`.../v1`)."""
    path = os.path.join(tempfile.mkdtemp(prefix=prefix), "script.json")
    with open(path, "w") as f:
        json.dump(turns, f)
    args = [os.path.join(BIN, "fake-llm")] + (["--chunk-delay", str(chunk_delay)] if chunk_delay is not None else []) + [path]
    llm = Running(args)
    port = llm.wait_for_port(r"port=(\d+)", "stdout")
    return llm, f"http://127.0.0.1:{port}/v1"
