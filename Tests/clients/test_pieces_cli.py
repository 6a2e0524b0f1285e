"""pieces-cli 1.20.1 (PyPI), run as a user runs it, against the real server (fixtures in conftest.py).

Every command is judged by what the server holds afterwards (read back over its HTTP API), not by the CLI's
exit code: the CLI reports many failures with exit code 0. Commands that open a menu or ask for confirmation
(list, search, edit, modify, delete, run) are driven through a pseudo-terminal, the way a person would.
"""
import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
import uuid

import pytest

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


# Run instead of the `pieces` script when something else answers in 39300-39333: the CLI's own port scan could
# find that instead, so its scan is pointed at the server under test (argv[1]); everything else is the real CLI.
PINNED = ("import sys; from pieces._vendor.pieces_os_client.wrapper.client import PiecesClient as C; "
          "port = sys.argv.pop(1); C._port_scanning = staticmethod(lambda: port); sys.argv[0] = 'pieces'; "
          "from pieces.app import main; main()")


class CLI:
    """pieces-cli as a user runs it, with a fresh HOME (cli_env)."""

    def __init__(self, server, env):
        exe = shutil.which("pieces", path=env["PATH"])
        assert exe, "the venv has no `pieces` executable: install pieces-cli==1.20.1 (scripts/pieces-clients-test does)"
        self.env = env
        self.argv = [exe]
        others = server.others_in_range()
        if others:
            print(f"\nclients suite: {others} also answer /.well-known/health; pieces-cli is pointed at port {server.port}")
            self.argv = [sys.executable, "-c", PINNED, str(server.port)]

    def run(self, *args, stdin="", timeout=90):
        """A non-interactive command: its combined output. stdin is piped (and ends), so prompts read it or EOF."""
        p = subprocess.run([*self.argv, "--ignore-onboarding", *args], input=stdin, capture_output=True, text=True,
                           env=self.env, timeout=timeout)
        return ANSI.sub("", p.stdout + p.stderr)

    def drive(self, *args, steps=(), timeout=90):
        """An interactive command in a pseudo-terminal: for each (pattern, keys) step, wait until the screen shows
        pattern (a regex over the output without terminal escapes), then type keys. Returns the whole output."""
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        proc = subprocess.Popen([*self.argv, "--ignore-onboarding", *args], stdin=slave, stdout=slave, stderr=slave,
                                env=self.env, start_new_session=True, close_fds=True)
        os.close(slave)
        raw, seen, pending = "", 0, list(steps)
        deadline = time.time() + timeout
        try:
            while True:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    try:
                        chunk = os.read(master, 65536)
                    except OSError:  # EIO: the command exited and the terminal closed
                        break
                    if not chunk:
                        break
                    raw += chunk.decode("utf-8", "replace")
                screen = ANSI.sub("", raw)
                if pending:
                    m = re.search(pending[0][0], screen[seen:])
                    if m:
                        seen += m.end()
                        os.write(master, pending.pop(0)[1].encode())
                elif proc.poll() is not None and not ready:
                    break
                if time.time() > deadline:
                    raise AssertionError(f"pieces {' '.join(args)}: still waiting for {pending[:1] or 'exit'} after {timeout}s; "
                                         f"screen so far:\n{screen[-3000:]}")
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            os.close(master)
        return ANSI.sub("", raw)


@pytest.fixture
def cli(server, cli_env):
    return CLI(server, cli_env)


def assets(server):
    return {a["id"]: a for a in server.get("/assets")["iterable"]}


def text_of(asset):
    return asset["original"]["reference"]["fragment"]["string"]["raw"]


def newest_asset(server):
    return server.get("/assets/identifiers")["iterable"][0]["id"]


def create(server, cli, text):
    """`pieces create -c` with text on stdin; the id of the asset the server then holds with that text."""
    before = set(assets(server))
    cli.run("create", "-c", stdin=text)
    made = [a for i, a in assets(server).items() if i not in before and text_of(a) == text]
    assert len(made) == 1, f"the server holds {len(made)} new assets with the text after `pieces create -c`"
    return made[0]["id"]


def conversations(server):
    return {c["id"]: c for c in server.get("/conversations")["iterable"]}


def messages(server, conversation_id):
    return [(m["role"], m["fragment"]["string"]["raw"]) for m in server.get(f"/conversation/{conversation_id}/messages")["iterable"]]


@pytest.fixture
def model(server, fake_llm):
    """Points the server at a fake model answering `turns`; back to the offline engine afterwards."""
    def use(turns):
        server.use_llm(fake_llm(turns), "fake-model")
    yield use
    server.use_offline()


def test_version(server, cli):
    out = cli.run("version")
    assert re.search(r"PiecesOS Version: 12\.\d+\.\d+", out), out
    assert "CLI Version: 1.20.1" in out
    # The version the CLI checked is the server's own Pieces OS API level.
    assert server.call("GET", "/.well-known/version")[1].strip() in out


def test_create_from_stdin(server, cli):
    text = f"def add(a, b):\n    return a + b  # create-{uuid.uuid4().hex[:8]}\n"
    asset_id = create(server, cli, text)
    saved = server.get(f"/asset/{asset_id}")
    assert text_of(saved) == text
    # Saved by the CLI as an application of its own, registered through POST /connect.
    assert saved["original"]["reference"]["application"]["name"] == "PIECES_FOR_DEVELOPERS_CLI"


def test_list_opens_the_newest_material(server, cli):
    marker = f"list-{uuid.uuid4().hex[:8]}"
    asset_id = create(server, cli, f"echo {marker}\n")
    assert newest_asset(server) == asset_id
    out = cli.drive("list", steps=[(r"1: ", "\r")])
    assert f"echo {marker}" in out.split("Code content:")[-1]


@pytest.mark.parametrize("mode,endpoint", [("fts", "/search/full_text"), ("ncs", "/search/neural_code"), ("fuzzy", "/assets/search")])
def test_search(server, cli, mode, endpoint):
    word = f"zebra{uuid.uuid4().hex[:6]}"
    wanted = create(server, cli, f"grep -r {word} /var/log  # {mode}\n")
    create(server, cli, "ls -la /tmp  # unrelated\n")
    # The server ranks the material with the word first; the CLI opens its first result.
    found = server.get(f"{endpoint}?query={word}")
    assert found["iterable"][0]["identifier"] == wanted and found["iterable"][0]["score"] > 0
    out = cli.drive("search", "--mode", mode, word, steps=[(r"1: ", "\r")])
    assert f"grep -r {word} /var/log" in out.split("Code content:")[-1]


def test_ask_streams_the_model_answer_into_a_conversation(server, cli, model):
    model([{"text": ["Use ", "`tail -f`", " on the log."]}])
    question = f"how do I follow a log file? {uuid.uuid4().hex[:6]}"
    out = cli.run("ask", question)
    assert "Use tail -f on the log." in out or "Use `tail -f` on the log." in out, out
    [conv] = [c for c in conversations(server).values() if messages(server, c["id"])[:1] == [("USER", question)]]
    assert messages(server, conv["id"]) == [("USER", question), ("ASSISTANT", "Use `tail -f` on the log.")]


def test_ask_with_material_and_file(server, cli):
    """`ask -m 1 -f FILE`: the CLI makes a chat and links the material and the file to it. pieces-cli 1.20.1 then
    fails on its own side before sending the question (its QGPTRelevanceInput rejects the Assets/Anchors it built:
    a pydantic error), so the question is asked again in that chat from the CLI's loop (`pieces run`: `chat 1`,
    `ask`), where the server grounds it on what the chat links. The offline engine answers by quoting what it was
    given, so the answer shows the material reached the model."""
    server.use_offline()
    marker = f"MATERIAL{uuid.uuid4().hex[:6]}"
    asset_id = create(server, cli, f"def rotate_keys():\n    vault.rotate('{marker}')\n")
    assert newest_asset(server) == asset_id
    notes = os.path.join(cli.env["HOME"], "notes.txt")  # the CLI accepts files under HOME or the working directory
    with open(notes, "w") as f:
        f.write("remember: rotate quarterly\n")
    before = set(conversations(server))
    cli.run("ask", "explain this", "-m", "1", "-f", notes)
    [chat] = [c for i, c in conversations(server).items() if i not in before]
    assert asset_id in chat["assets"]["indices"]
    [anchor_id] = chat["anchors"]["indices"]
    anchor = server.get(f"/anchor/{anchor_id}")
    assert anchor["points"]["iterable"][0]["reference"]["fullpath"] == notes
    assert chat["id"] in anchor["conversations"]["indices"]

    out = cli.drive("run", steps=[(r"User:", "chat 1\r"), (r"User:", 'ask "explain this"\r'), (r"User:", "exit\r")])
    said = messages(server, chat["id"])
    assert [role for role, _ in said] == ["USER", "ASSISTANT"]
    assert said[0][1] == "explain this"
    assert marker in said[1][1], said[1][1]
    assert marker in out


def test_chats_rename_and_delete(server, cli):
    server.use_offline()
    name = f"cli chat {uuid.uuid4().hex[:6]}"
    conv = server.post("/conversations/create", {"name": name, "type": "COPILOT"})
    question = f"How do I rotate nginx logs {uuid.uuid4().hex[:4]}?"
    server.post("/messages/create", {"conversation": {"id": conv["id"]}, "role": "USER", "fragment": {"string": {"raw": question}}})
    out = cli.run("chats")
    assert re.search(rf"1\. {re.escape(name)}", out), out
    # `chat -r` without a name lets the server name the chat (the model; offline, from its first question).
    assert f"Renamed the chat to {question}" in cli.run("chat", "1", "-r")
    assert server.get(f"/conversation/{conv['id']}")["name"] == question
    renamed = f"renamed {uuid.uuid4().hex[:6]}"
    cli.run("chat", "1", "-r", renamed)
    assert server.get(f"/conversation/{conv['id']}")["name"] == renamed
    assert re.search(rf"1\. {re.escape(renamed)}", cli.run("chats"))
    cli.run("chat", "1", "-d", stdin="y\n")
    assert server.call("GET", f"/conversation/{conv['id']}")[0] == 404
    assert conv["id"] not in {c["id"] for c in server.get("/conversations/identifiers")["iterable"]}


def test_edit_name_and_language(server, cli):
    asset_id = create(server, cli, "x = [i * i for i in range(10)]\n")
    name = f"squares {uuid.uuid4().hex[:6]}"
    cli.drive("edit", "-n", name, "-c", "py", steps=[(r"1: ", "\r")])
    saved = server.get(f"/asset/{asset_id}")
    assert saved["name"] == name
    language = saved["original"]["reference"]["classification"]["specific"]
    if sys.version_info >= (3, 12):
        assert language == "py"
    else:
        # pieces-cli 1.20.1 checks the language with `str in EnumType`, a TypeError before Python 3.12:
        # the CLI never sends /asset/reclassify there (covered by the Swift tests instead).
        assert language != "py"


def test_modify_saves_what_the_editor_wrote(server, cli, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "print(\\"edited in the editor\\")\\n" > "$1"\n')
    editor.chmod(0o755)
    cli.run("config", "--editor", str(editor))
    asset_id = create(server, cli, "print('before the editor')\n")
    # The CLI writes the material to a file, runs the editor on it, asks to press Enter, then saves the file.
    cli.drive("modify", steps=[(r"1: ", "\r"), (r"finish editing", "\r")])
    assert text_of(server.get(f"/asset/{asset_id}")) == 'print("edited in the editor")\n'
    hits = server.get("/search/full_text?query=edited%20editor")["iterable"]
    assert hits and hits[0]["identifier"] == asset_id


def test_delete(server, cli):
    asset_id = create(server, cli, f"rm -rf ./build  # delete-{uuid.uuid4().hex[:6]}\n")
    cli.drive("delete", steps=[(r"1: ", "\r"), (r"\[y/n\]", "y\r")])
    assert server.call("GET", f"/asset/{asset_id}")[0] == 404
    assert asset_id not in {a["id"] for a in server.get("/assets/identifiers")["iterable"]}
