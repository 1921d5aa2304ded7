"""The HTTP service as a real uvicorn process (`agentmem serve`) on 127.0.0.1, driven by a
real HTTP client, including OpenAI-client-style chat completions (plain and streamed)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
MODEL_CACHE = os.environ.get(
    "AGENTMEM_TEST_MODEL_CACHE", str(Path(tempfile.gettempdir()) / "agentmem-test-models")
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "AGENTMEM_EMBEDDING__MODEL": "hash",
        "AGENTMEM_LLM__CACHE_DIR": MODEL_CACHE,
        "AGENTMEM_API_KEYS": "sk-alice:alice",
    }
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agentmem.cli",
            "--home",
            str(tmp_path / "h"),
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "server did not start in 120 s"
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.mark.slow
@pytest.mark.llm
def test_real_server_with_an_openai_style_client(server):
    auth = {"Authorization": "Bearer sk-alice"}
    with httpx.Client(base_url=server, headers=auth, timeout=300) as client:
        created = client.post(
            "/v1/memories", json={"user_id": "alice", "text": "My cat is called Miso"}
        )
        assert created.status_code == 201
        hits = client.post("/v1/search", json={"user_id": "alice", "query": "cat"}).json()
        assert hits["results"][0]["id"] == created.json()["id"]
        assert client.get("/v1/memories", params={"user_id": "bob"}).status_code == 403
        assert client.get("/openapi.json").json()["info"]["title"] == "agentmem"

        # exactly what the OpenAI Python client sends for chat.completions.create(...)
        request = {
            "model": "agentmem",
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "What is my cat called?"},
            ],
            "user": "alice",
            "max_tokens": 16,
            "temperature": 0,
            "n": 1,
            "stream": False,
        }
        r = client.post(
            "/v1/chat/completions",
            json=request,
            headers={"OpenAI-Organization": "org-x", "User-Agent": "OpenAI/Python"},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
        assert body["choices"][0]["message"]["content"]
        assert body["usage"]["total_tokens"] > 0

        with client.stream(
            "POST",
            "/v1/chat/completions",
            json={**request, "stream": True, "stream_options": {"include_usage": True}},
        ) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            data = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
        assert data[-1] == "[DONE]"
        chunks = [json.loads(d) for d in data[:-1]]
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
        cut = chunks[-1]["usage"]["completion_tokens"] == request["max_tokens"]
        assert text and chunks[-1]["choices"][0]["finish_reason"] == ("length" if cut else "stop")
