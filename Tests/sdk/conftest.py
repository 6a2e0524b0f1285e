"""Starts the real openpieces binary (and the scripted fake LLM) for the Pieces SDK suite."""
import os
import sys
import tempfile

import pytest
from pieces_os_client.api_client import ApiClient
from pieces_os_client.configuration import Configuration

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pyshared"))
from openpieces_proc import clean_env, fake_llm as start_fake_llm, serve  # noqa: E402


@pytest.fixture(scope="session")
def fake_llm():
    script = [{"text": ["Stream", "ed ", "answer"]}, {"text": ["Grounded ", "answer"]}] + [{"text": ["more"]}] * 20
    llm, base_url = start_fake_llm(script, prefix="op-sdk-llm-")
    yield base_url
    llm.stop(timeout=10)


def _serve(extra):
    env = clean_env()
    env["OPENPIECES_PIECES_PORT_FILE"] = "off"  # never touch a desktop's Pieces port file
    server = serve(tempfile.mkdtemp(prefix="op-sdk-home-"), extra, env=env)
    server.drain()
    return server, server.port


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
