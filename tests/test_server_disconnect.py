"""A service that cannot be frozen: a streaming chat whose client hangs up, or that is still
decoding when the server shuts down, stops generating and releases the model's lock. Driven
through a real uvicorn socket; the model is a deterministic fake injected as `Memory.llm`
(it decodes as long as it is asked to and records when its generation is closed)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from agentmem import Memory
from agentmem.server import create_app
from agentmem.server.stream import ClosingStream
from agentmem.short_term import word_counter

WAIT_S = 60  # a deadlock detector: nothing here should take more than a fraction of it


class _Session:
    def __init__(self, model: FakeModel) -> None:
        self.model = model

    def decode(self, limit: int, **options: Any) -> Iterator[str]:  # stop, penalties: unused
        self.model.started.set()
        try:
            for i in range(limit):
                self.model.pieces += 1
                yield f"w{i} "
        finally:
            self.model.closed.set()

    def stats(self) -> dict:
        return {"tokens_seen": 0}

    def token_path(self, position: int) -> list:
        return []


class FakeModel:
    """Stands in for LocalLLM in `Memory.chat_stream`."""

    def __init__(self) -> None:
        self.pieces = 0
        self.started = threading.Event()
        self.closed = threading.Event()

    def chat_session(self, system, turns, **_):
        return _Session(self), False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """(base URL, Memory, fake model, uvicorn server) on a real socket in this process."""
    mem = Memory(
        home=tmp_path / "h",
        embedding={"model": "hash"},
        api={"max_new_tokens": 10_000_000},
        token_counter=word_counter,
    )
    mem.llm = FakeModel()
    app = create_app(mem, api_keys={"k": {"*"}})
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.TransportError:
            threading.Event().wait(0.05)
    yield base, mem, server, thread
    server.should_exit = True
    thread.join(WAIT_S)
    mem.close()


HEADERS = {"Authorization": "Bearer k"}
ROUTES = {
    "/v1/chat": lambda big: {"user_id": "u", "message": "hi", "stream": True, "max_tokens": big},
    "/v1/chat/completions": lambda big: {
        "user": "u",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "max_tokens": big,
    },
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_a_client_that_hangs_up_releases_the_model(served, route):
    base, mem, _server, _thread = served
    first = mem.llm
    with httpx.Client(base_url=base, headers=HEADERS, timeout=WAIT_S) as client:
        with client.stream("POST", route, json=ROUTES[route](10_000_000)) as response:
            assert response.status_code == 200
            read = b""
            for chunk in response.iter_bytes():  # read until the model has decoded a piece
                read += chunk
                if b"w0" in read:
                    break
            # ... then hang up mid-stream (the first event, the role, comes before decoding)
    assert first.closed.wait(WAIT_S), "generation went on (or stayed suspended) after hang-up"
    produced = first.pieces
    assert produced < 10_000_000

    mem.llm = second = FakeModel()
    with httpx.Client(base_url=base, headers=HEADERS, timeout=WAIT_S) as client:
        reply = client.post("/v1/chat", json={"user_id": "u", "message": "again", "max_tokens": 3})
    assert reply.status_code == 200, reply.text
    assert reply.json()["text"] == "w0 w1 w2"
    assert second.closed.is_set()
    assert first.pieces == produced  # the abandoned generation never resumed


def test_shutdown_cancels_a_reply_still_decoding(served):
    base, mem, server, thread = served
    model = mem.llm
    client = httpx.Client(base_url=base, headers=HEADERS, timeout=WAIT_S)
    with client.stream("POST", "/v1/chat", json=ROUTES["/v1/chat"](10_000_000)) as response:
        assert response.status_code == 200
        assert model.started.wait(WAIT_S)
        server.should_exit = True  # what SIGTERM does; the client keeps the stream open
        thread.join(WAIT_S)
        assert not thread.is_alive(), "the server did not stop while a reply was decoding"
    client.close()
    assert model.closed.is_set()
    assert not mem._chat_lock.locked()


@pytest.mark.parametrize("cancels", [1, 2])
def test_a_reply_ends_only_once_its_generation_is_closed(cancels):
    """A client hangs up and the close of its generation starts; the server then stops and
    cancels the reply (once when its graceful timeout ends, again as its event loop shuts
    down). The reply's task must still end only after the generation is closed, its lock
    released: a server that returns first leaves it to whichever thread comes by later."""
    started, closing, release, closed = (threading.Event() for _ in range(4))

    def events():
        started.set()
        try:
            while True:
                yield "data: w\n\n"
        finally:
            closing.set()
            release.wait(WAIT_S)  # a close still in progress when the cancels come
            closed.set()

    async def scenario() -> list[bool]:
        hang_up = asyncio.Event()

        async def send(message: dict) -> None:
            if message.get("body"):
                await asyncio.Event().wait()  # a client that stopped reading

        async def receive() -> dict:
            await hang_up.wait()
            return {"type": "http.disconnect"}

        task = asyncio.create_task(ClosingStream(events())({"type": "http"}, receive, send))
        assert await asyncio.to_thread(started.wait, WAIT_S)
        hang_up.set()
        assert await asyncio.to_thread(closing.wait, WAIT_S)
        closed_when_done: list[bool] = []
        task.add_done_callback(lambda _t: closed_when_done.append(closed.is_set()))
        for _ in range(cancels):
            task.cancel()
            await asyncio.sleep(0)  # each cancel delivered before the next
        asyncio.get_running_loop().call_soon(release.set)
        with pytest.raises(asyncio.CancelledError):
            await task
        return closed_when_done

    assert asyncio.run(scenario()) == [True]


def test_models_load_once_under_concurrent_first_requests(tmp_path, monkeypatch):
    import agentmem.long_term.memory as long_term
    from agentmem.adapters.embeddings import HashEmbedder

    built: list[int] = []
    gate = threading.Barrier(8)

    def slow_factory(*args, **kwargs):
        built.append(1)
        threading.Event().wait(0.2)  # a load that takes a while: the others arrive meanwhile
        return HashEmbedder(64)

    with Memory(home=tmp_path / "h", embedding={"model": "hash"}) as mem:
        mem.long_term._embedder = None
        monkeypatch.setattr(long_term, "make_embedder", slow_factory)
        seen = []

        def first_request():
            gate.wait()
            seen.append(mem.long_term.embedder)

        threads = [threading.Thread(target=first_request) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT_S)
    assert len(built) == 1
    assert len({id(e) for e in seen}) == 1 and len(seen) == 8
