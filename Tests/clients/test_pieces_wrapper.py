"""The SDK's high-level wrapper (`pieces_os_client.wrapper.PiecesClient`, the base of pieces-cli and the editor
plugins) against the real server, found by its own port scan. Every step is checked by what the server holds
afterwards, read through its HTTP API, not only by what the wrapper returns."""
import os
import threading
import time

import pytest
from pieces_os_client.wrapper import PiecesClient
from pieces_os_client.wrapper.streamed_identifiers import AssetSnapshot, ConversationsSnapshot


@pytest.fixture(scope="module")
def client(server):
    others = server.others_in_range()
    if others:
        # Something else answers in the range (on a shared machine: another server that got an ephemeral port there).
        # The scan is then a race we may lose, so the wrapper is pointed at us; test_port_scan_finds_the_server skips.
        print(f"\nclients suite: {others} also answer /.well-known/health; the wrapper is pointed at port {server.port}")
        PiecesClient._port_scanning = staticmethod(lambda: str(server.port))
    c = PiecesClient()  # port scan of 39300-39333, POST /connect, GET /user, the WebSockets, the default model
    # The wrapper gives each health probe 0.1 s; on a loaded machine one can miss, and the wrapper then starts over
    # at its next call (ensure_initialization), as it would for a user. Give it that chance a few times.
    for _ in range(40):
        if c._is_started_runned:
            break
        time.sleep(0.5)
        c._startup()
    assert c._is_started_runned, "the wrapper never completed its start-up against the server"
    yield c
    # The server echoes each close and drops the connection at once (WebSocketTests.closingHandshakeEchoesTheCode),
    # but websocket-client's close() races its own reader thread for the echo and, losing, waits out the reader's
    # 10 s select: up to 10 s per socket. Nothing after this needs the sockets closed, so the wait is not sat out.
    closer = threading.Thread(target=PiecesClient.close, daemon=True)
    closer.start()
    closer.join(timeout=2)


def test_port_scan_finds_the_server(server):
    others = server.others_in_range()
    if others:
        pytest.skip(f"{others} also answer in 39300-39333: the scan could find them; stop them to run this test")
    assert PiecesClient._port_scanning() == str(server.port)


def model_named(server, name):
    return [m for m in server.get("/models")["iterable"] if m["name"] == name][0]


def test_start_up_finds_the_server_and_registers_the_client(client, server, wait_until):
    assert client.port == str(server.port)
    assert client.version.startswith("12.")
    client.ensure_initialization()
    app = client.tracked_application
    assert app.name.value == "OPEN_SOURCE"
    listed = {a["id"]: a for a in server.get("/applications")["iterable"]}
    assert listed[app.id]["name"] == "OPEN_SOURCE"
    assert listed[app.id]["version"] == app.version
    # The health stream said "ok" and the user stream sent the profile.
    wait_until(lambda: client.is_pos_stream_running, what="the health stream's ok")
    wait_until(lambda: client.user.user_profile is not None, what="the user stream's profile")
    assert client.user.id == server.get("/user")["user"]["id"]
    # The wrapper's default model is in the catalogue, under the id the server lists.
    assert client.model_name == "GPT-3.5-turbo Chat Model"
    assert client.model_id == model_named(server, "GPT-3.5-turbo Chat Model")["id"]
    for name in ["GPT-4o Chat Model", "o4-mini Chat Model", "Gemini-2.0 Flash Lite Chat Model"]:
        assert name in client.available_models_names


def test_port_file_names_the_server(server):
    path = os.path.join(server.home, "Documents", "com.pieces.os", "production", "Config", ".port.txt")
    with open(path) as f:
        assert f.read().strip() == str(server.port)


def test_asset_lifecycle(client, server, wait_until):
    asset_id = client.create_asset("def greet():\n    return 'hi'\n")
    held = server.get(f"/asset/{asset_id}")
    assert held["original"]["reference"]["fragment"]["string"]["raw"] == "def greet():\n    return 'hi'\n"
    assert held["formats"]["iterable"][0]["application"]["id"] == client.tracked_application.id
    # The wrapper's cache follows /assets/stream/identifiers.
    wait_until(lambda: AssetSnapshot.identifiers_snapshot.get(asset_id) is not None, what="the new asset in the cache")
    assert asset_id in [a.id for a in client.assets()]
    asset = client.asset(asset_id)
    assert asset.raw_content == "def greet():\n    return 'hi'\n"

    asset.name = "Greeting"
    assert server.get(f"/asset/{asset_id}")["name"] == "Greeting"
    wait_until(lambda: client.asset(asset_id).name == "Greeting", what="the rename in the cache")

    asset.raw_content = "def greet():\n    return 'hello'\n"
    held = server.get(f"/asset/{asset_id}")
    assert held["original"]["reference"]["fragment"]["string"]["raw"] == "def greet():\n    return 'hello'\n"
    assert held["name"] == "Greeting"
    wait_until(lambda: client.asset(asset_id).raw_content == "def greet():\n    return 'hello'\n", what="the new content in the cache")

    client.asset(asset_id).delete()
    assert server.call("GET", f"/asset/{asset_id}")[0] == 404
    assert asset_id not in [a["id"] for a in server.get("/assets")["iterable"]]
    wait_until(lambda: asset_id not in AssetSnapshot.identifiers_snapshot, what="the deletion in the cache")


def test_aliases_say_where_they_run(server, fake_llm):
    offline = model_named(server, "GPT-4o Chat Model")
    assert offline["unique"] == "gpt-4o"
    assert "offline engine" in offline["description"]
    server.use_llm(fake_llm([]), "fake-model")
    try:
        routed = model_named(server, "GPT-4o Chat Model")
        assert routed["id"] == offline["id"]  # clients keep the id in their settings
        assert "runs on fake-model" in routed["description"]
    finally:
        server.use_offline()


def test_copilot_streams_from_the_provider_behind_an_alias(client, server, fake_llm, wait_until):
    server.use_llm(fake_llm([{"text": ["Open", "Pieces ", "streams"]}], chunk_delay=0.02), "fake-model")
    try:
        client.model_name = "GPT-4o Chat Model"
        outputs = list(client.copilot.stream_question("How do answers arrive?"))
    finally:
        client.model_name = "GPT-3.5-turbo Chat Model"
        server.use_offline()
    streamed = "".join(o.question.answers.iterable[0].text for o in outputs if o.question)
    assert streamed == "OpenPieces streams"
    assert outputs[-1].status.value == "COMPLETED"
    conversation = outputs[-1].conversation
    assert client.copilot.chat.id == conversation

    # The server holds the exchange, and names the model that really answered.
    messages = server.get(f"/conversation/{conversation}/messages")["iterable"]
    assert [m["role"] for m in messages] == ["USER", "ASSISTANT"]
    assert messages[0]["fragment"]["string"]["raw"] == "How do answers arrive?"
    assert messages[1]["fragment"]["string"]["raw"] == "OpenPieces streams"
    assert messages[1]["model"]["name"] == "fake-model"
    usage = {m["model"]: m for m in server.get("/api/v1/usage")["models"]}
    assert usage["fake-model"]["calls"] >= 1

    wait_until(lambda: conversation in [c.id for c in client.copilot.chats()], what="the conversation in the cache")
    chat = [c for c in client.copilot.chats() if c.id == conversation][0]
    wait_until(lambda: len(chat.messages()) == 2, what="both messages in the cached conversation")
    assert [(m.role, m.raw_content) for m in chat.messages()] == [("USER", "How do answers arrive?"), ("ASSISTANT", "OpenPieces streams")]

    chat.delete()
    assert server.call("GET", f"/conversation/{conversation}")[0] == 404
    assert conversation not in [c["id"] for c in server.get("/conversations")["iterable"]]
    wait_until(lambda: conversation not in ConversationsSnapshot.identifiers_snapshot, what="the deletion in the cache")
