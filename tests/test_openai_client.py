"""The official `openai` client against `agentmem serve` on a real socket: model listing,
refused options, finish reasons and usage, sync, async and streamed."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

openai = pytest.importorskip("openai")
httpx = pytest.importorskip("httpx")
MODEL_CACHE = os.environ.get(
    "AGENTMEM_TEST_MODEL_CACHE", str(Path(tempfile.gettempdir()) / "agentmem-test-models")
)
KEY = "sk-gina-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("openai")
    port = _free_port()
    env = {
        **os.environ,
        "AGENTMEM_EMBEDDING__MODEL": "hash",
        "AGENTMEM_LLM__CACHE_DIR": MODEL_CACHE,
        "AGENTMEM_API_KEYS": f"{KEY}:gina",
    }
    log = open(tmp / "server.log", "w")
    cmd = [sys.executable, "-m", "agentmem.cli", "--home", str(tmp / "h")]
    proc = subprocess.Popen(
        [*cmd, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, (tmp / "server.log").read_text()
            assert time.monotonic() < deadline, "server did not start in 120 s"
            time.sleep(0.3)
        yield url + "/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture
def client(base_url):
    with openai.OpenAI(base_url=base_url, api_key=KEY, timeout=600, max_retries=0) as c:
        yield c


ASK = [{"role": "user", "content": "Tell me about the sea in many words."}]


def test_models_are_listed(client):
    ids = [m.id for m in client.models.list()]
    assert ids and client.models.retrieve(ids[0]).id == ids[0]
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("n", 3),
        ("tools", [{"type": "function", "function": {"name": "f", "parameters": {}}}]),
        ("response_format", {"type": "json_object"}),
    ],
)
def test_options_the_model_cannot_honour_are_refused(client, option, value):
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="agentmem", messages=ASK, **{option: value})
    assert option in str(err.value)


@pytest.mark.llm
def test_sync_reply_cut_by_max_tokens(client):
    reply = client.chat.completions.create(model="agentmem", messages=ASK, max_tokens=3)
    assert len(reply.choices) == 1 and reply.choices[0].finish_reason == "length"
    usage = reply.usage
    assert usage.completion_tokens == 3 and usage.prompt_tokens > len(ASK[0]["content"].split())
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    stopped = client.chat.completions.create(
        model="agentmem", messages=ASK, max_tokens=12, stop=[" "]
    )
    assert stopped.choices[0].finish_reason == "stop"
    assert stopped.choices[0].message.content and " " not in stopped.choices[0].message.content


@pytest.mark.llm
def test_streamed_reply(client):
    chunks = list(
        client.chat.completions.create(model="agentmem", messages=ASK, max_tokens=4, stream=True)
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finals = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert text.strip() and finals == ["length"]


@pytest.mark.llm
def test_async_client(base_url):
    async def ask() -> object:
        async with openai.AsyncOpenAI(base_url=base_url, api_key=KEY, max_retries=0) as c:
            return await c.chat.completions.create(model="agentmem", messages=ASK, max_tokens=2)

    reply = asyncio.run(ask())
    assert reply.choices[0].message.content and reply.usage.completion_tokens == 2
