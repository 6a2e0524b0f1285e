"""The official MCP Python SDK as the client, over both transports: Pieces' memory tools, a deployed service's
endpoint as a tool, and the list changing when the service stops."""
import asyncio
import contextlib
import uuid

import pytest
from mcp import ClientSession, types
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamablehttp_client

TRANSPORTS = ["streamable-http", "sse"]


@contextlib.asynccontextmanager
async def connect(server, transport, headers=None):
    """An initialized ClientSession and the notifications it has received so far."""
    notes = []

    async def on_message(message):
        if isinstance(message, types.ServerNotification):
            notes.append(message.root)

    if transport == "sse":
        ctx = sse_client(server.base + "/model_context_protocol/2024-11-05/sse", headers=headers, timeout=30)
    else:
        ctx = streamablehttp_client(server.base + "/mcp", headers=headers, timeout=30)
    async with ctx as streams:
        async with ClientSession(streams[0], streams[1], message_handler=on_message) as session:
            init = await session.initialize()
            yield session, notes, init


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 90))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_initialize_and_list(server, transport):
    async def go():
        async with connect(server, transport) as (session, _, init):
            assert init.serverInfo.name == "openpieces"
            assert init.capabilities.tools.listChanged is True
            assert init.protocolVersion in ("2025-06-18", "2025-03-26", "2024-11-05")
            names = [t.name for t in (await session.list_tools()).tools]
            assert "ask_pieces_ltm" in names and "create_pieces_memory" in names
            await session.send_ping()
    run(go())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_ask_pieces_ltm_finds_assets_conversations_and_brain_entries(server, transport):
    word = "zebra" + uuid.uuid4().hex[:8]
    status, asset = server.call("POST", "/assets/create", {"asset": {"format": {"fragment": {"string": {"raw": f"kubectl rollout restart deploy/{word}"}}},
                                                                     "metadata": {"name": f"restart {word}"}}}, admin=False)
    assert status == 200, asset
    status, entry = server.call("POST", "/api/v1/brain", {"kind": "decision", "text": f"We restart {word} with a rolling restart, never a delete."})
    assert status == 201, entry
    # A past Copilot conversation, as the Pieces clients write one.
    status, conversation = server.call("POST", "/conversations/create", {"name": f"Deploys of {word}"}, admin=False)
    assert status == 200, conversation
    status, message = server.call("POST", "/messages/create", {"conversation": {"id": conversation["id"]}, "role": "ASSISTANT",
                                                                "fragment": {"string": {"raw": f"To restart {word}, scale it to zero and back up."}}}, admin=False)
    assert status == 200, message

    async def go():
        async with connect(server, transport) as (session, _, _):
            r = await session.call_tool("ask_pieces_ltm", {"question": f"how do I restart {word}?", "chat_llm": "gpt-4o-mini", "connected_client": "pytest"})
            assert not r.isError
            s = r.structuredContent
            assert asset["id"] in [a["id"] for a in s["assets"]]
            assert entry["id"] in [m["id"] for m in s["memories"]]
            found = [c for c in s["conversations"] if c["id"] == message["id"]]
            assert found and found[0]["conversation"] == conversation["id"] and found[0]["conversationName"] == f"Deploys of {word}", s["conversations"]
            assert "scale it to zero" in r.content[0].text
            assert word in r.content[0].text
            missing = await session.call_tool("ask_pieces_ltm", {})
            assert missing.isError and "question" in missing.content[0].text
    run(go())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_create_pieces_memory_saves_an_asset_and_a_brain_entry(server, transport):
    word = "okapi" + uuid.uuid4().hex[:8]
    # Distinct words per run: the Brain merges entries that say nearly the same.
    detail = " ".join("w" + uuid.uuid4().hex[:6] for _ in range(12))

    async def go():
        async with connect(server, transport) as (session, _, _):
            return await session.call_tool("create_pieces_memory", {
                "summary_description": f"Fixed the {word} cache stampede",
                "summary": f"The {word} cache now uses request coalescing; TTL 1 h. Notes: {detail}",
                "project": "/home/dev/shop", "files": ["/home/dev/shop/cache.ts"],
                "externalLinks": ["https://example.com/pr/42"], "connected_client": "pytest"})
    r = run(go())
    assert not r.isError, r.content
    asset_id = r.structuredContent["asset"]["id"]
    brain_id = r.structuredContent["brain"]["id"]
    status, found = server.call("GET", f"/api/v1/assets?query={word}")
    assert status == 200 and asset_id in [a["id"] for a in found["snippets"]]
    text = [a for a in found["snippets"] if a["id"] == asset_id][0]["text"]
    assert "https://example.com/pr/42" in text and "/home/dev/shop/cache.ts" in text
    status, brain = server.call("GET", f"/api/v1/brain/{brain_id}")
    assert status == 200 and word in brain["text"] and "pieces-memory" in brain["tags"] and "pytest" in brain["tags"]
    assert r.structuredContent["merged"] is False


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_service_endpoint_is_a_tool_until_the_service_stops(server, transport):
    slug = "notes-" + ("http" if transport == "streamable-http" else "sse")
    server.deploy(slug, "notes")

    async def go():
        async with connect(server, transport) as (session, notes, _):
            tools = {t.name: t for t in (await session.list_tools()).tools}
            post = tools[f"{slug}__post_notes"]
            assert post.inputSchema["required"] == ["text"]
            assert tools[f"{slug}__delete_notes_by_id"].inputSchema["required"] == ["id"]
            added = await session.call_tool(f"{slug}__post_notes", {"text": "buy milk over MCP"})
            assert not added.isError, added.content
            assert added.structuredContent["status"] == 201
            assert added.structuredContent["output"]["text"] == "buy milk over MCP"
            listed = await session.call_tool(f"{slug}__get_notes", {})
            assert "buy milk over MCP" in [n["text"] for n in listed.structuredContent["output"]["notes"]]
            invalid = await session.call_tool(f"{slug}__post_notes", {"text": ""})
            assert invalid.isError and "invalid_input" in invalid.content[0].text
            gone = await session.call_tool(f"{slug}__delete_notes_by_id", {"id": "999999"})
            assert gone.isError and gone.structuredContent["status"] == 404

            before = len(notes)
            status, _ = await asyncio.to_thread(server.call, "POST", f"/api/v1/services/{slug}/stop")
            assert status == 200
            for _ in range(200):
                if any(isinstance(n, types.ToolListChangedNotification) for n in notes[before:]):
                    break
                await asyncio.sleep(0.1)
            assert any(isinstance(n, types.ToolListChangedNotification) for n in notes[before:]), notes
            names = [t.name for t in (await session.list_tools()).tools]
            assert not any(n.startswith(slug + "__") for n in names)
            with pytest.raises(Exception, match="Unknown tool"):
                r = await session.call_tool(f"{slug}__get_notes", {})
                if r.isError:
                    raise RuntimeError(r.content[0].text)
    run(go())
