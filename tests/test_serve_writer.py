"""The writer process of `agentmem serve` (`server/writer.py`): each worker runs its adds and
updates in a child process at lower CPU priority. Checked on real processes, sockets and
SQLite: which process wrote (`X-Agentmem-Writer`, its parent and its nice value), the
answers and errors as in process, read-after-write across workers, a writer killed with
requests pending, and no process left behind."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agentmem.config import MemoryConfig
from agentmem.errors import ConfigError, ValidationError
from agentmem.server import serving, writer

KEY = "sk-writer"
MAX_CHARS = 200
HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}


def _serve(home: Path, log: Path, port: int, *args: str, env: dict | None = None):
    env = {
        **os.environ,
        "AGENTMEM_EMBEDDING__MODEL": "hash",
        "AGENTMEM_API_KEYS": f"{KEY}:*",
        "AGENTMEM_MAX_TEXT_CHARS": str(MAX_CHARS),
        **(env or {}),
    }
    command = [sys.executable, "-m", "agentmem.cli", "--home", str(home), "serve"]
    return subprocess.Popen(
        [*command, "--port", str(port), *args],
        env=env,
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_ready(port: int, proc: subprocess.Popen, log: Path, workers: int) -> None:
    seen: set[str] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(seen) < workers:
        assert proc.poll() is None, log.read_text()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            seen.add(response.getheader("X-Agentmem-Worker"))
        except OSError:
            time.sleep(0.2)
    assert len(seen) == workers, log.read_text()


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def _send(conn: http.client.HTTPConnection, method: str, path: str, body: dict):
    conn.request(method, path, body=json.dumps(body), headers=HEADERS)
    response = conn.getresponse()
    return response, json.loads(response.read() or b"null")


def _add(conn, user: str, text: str):
    return _send(conn, "POST", "/v1/memories", {"user_id": user, "text": text})


def _search(conn, user: str, query: str, mode: str = "semantic") -> list[str]:
    response, body = _send(
        conn, "POST", "/v1/search", {"user_id": user, "query": query, "mode": mode}
    )
    assert response.status == 200, body
    return [hit["id"] for hit in body["results"]]


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _gone(pid: int) -> bool:
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


@pytest.fixture(scope="module")
def service(tmp_path_factory, chroma_server):
    """`serve --workers 2` over SQLite and the Chroma server: its writer is on ('auto')."""
    from servers import free_port

    root = tmp_path_factory.mktemp("writer")
    port, log = free_port(), root / "serve.log"
    env = {
        "AGENTMEM_CHROMA__HOST": chroma_server.host,
        "AGENTMEM_CHROMA__PORT": str(chroma_server.port),
        "AGENTMEM_CHROMA__COLLECTION": "writer",
    }
    proc = _serve(root / "h", log, port, "--workers", "2", env=env)
    try:
        _wait_ready(port, proc, log, 2)
        yield port, proc, log
    finally:
        _stop(proc)


def _connections(port: int, count: int = 16) -> dict[str, http.client.HTTPConnection]:
    """One open connection per worker (the kernel hashes new connections over them)."""
    by_worker: dict[str, http.client.HTTPConnection] = {}
    for _ in range(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        by_worker.setdefault(response.getheader("X-Agentmem-Worker"), conn)
    return by_worker


def test_adds_are_written_by_a_lower_priority_child_of_the_worker(service):
    port, proc, _log = service
    conns = _connections(port)
    assert len(conns) == 2
    for worker, conn in conns.items():
        response, record = _add(conn, f"w{worker}", "My sister Ana lives in Porto")
        assert response.status == 201, record
        assert response.getheader("X-Agentmem-Worker") == worker
        child = int(response.getheader("X-Agentmem-Writer"))
        assert child != int(worker) and child != proc.pid
        assert _parent(child) == int(worker)
        nice = os.getpriority(os.PRIO_PROCESS, child)
        assert nice == min(19, os.getpriority(os.PRIO_PROCESS, int(worker)) + writer.NICE)
        assert (
            record["user_id"] == f"w{worker}" and record["text"] == "My sister Ana lives in Porto"
        )
        response, read = _send(conn, "GET", f"/v1/memories/{record['id']}?user_id=w{worker}", {})
        assert response.status == 200 and read == record  # the answer is the stored record


def test_errors_from_the_writer_keep_their_status_and_message(service):
    port, _proc, _log = service
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    with pytest.raises(ValidationError) as expected:
        from agentmem.checks import check_text

        check_text("x" * (MAX_CHARS + 1), MAX_CHARS)
    response, body = _add(conn, "errs", "x" * (MAX_CHARS + 1))
    assert response.status == 400
    assert body["error"] == {
        "type": "invalid_request_error",
        "message": str(expected.value),
        "code": 400,
    }
    body_in = {"user_id": "errs", "text": "I live in Oslo"}
    response, body = _send(conn, "PATCH", "/v1/memories/nosuchid", body_in)
    assert response.status == 404 and body["error"]["type"] == "not_found"
    assert "nosuchid" in body["error"]["message"]
    response, record = _add(conn, "errs", "I live in Oslo")
    conn.request("DELETE", f"/v1/memories/{record['id']}?user_id=errs", headers=HEADERS)
    assert conn.getresponse().read() == b""
    response, body = _send(conn, "PATCH", f"/v1/memories/{record['id']}", body_in)
    assert response.status == 409 and "restore it before updating it" in body["error"]["message"]
    assert response.getheader("X-Agentmem-Writer") is None  # errors go through the handlers


def test_a_search_right_after_an_add_finds_it(service):
    """The worker that answered the add finds it by meaning at once (it holds the vector
    the writer handed over); every worker finds it by text at once and by meaning once the
    writer's index write reached it (about a second: as one worker finds another's)."""
    port, _proc, _log = service
    conns = _connections(port)
    for conn in conns.values():  # each worker holds the scope's copy before the add
        _search(conn, "raw", "the otter lives by the mill race")
    for i, (worker, conn) in enumerate(conns.items()):
        text = f"The otter {i} lives by the mill race {i}"
        response, record = _add(conn, "raw", text)
        assert response.status == 201
        assert _search(conn, "raw", text)[:1] == [record["id"]]
        for other in conns.values():
            assert _search(other, "raw", text, "hybrid")[:1] == [record["id"]]
        for other_worker, other in conns.items():
            # about a second when the machine is idle; the writer's index write runs at its
            # lower priority, so a machine busy with other work may take longer
            deadline = time.monotonic() + 30
            while _search(other, "raw", text)[:1] != [record["id"]]:
                assert time.monotonic() < deadline, f"worker {other_worker} after {worker}"
                time.sleep(0.1)


def test_a_killed_writer_fails_what_it_held_and_the_next_add_starts_another(service):
    port, _proc, log = service
    worker, conn = next(iter(_connections(port).items()))
    response, _ = _add(conn, "kill", "The first note")
    child = int(response.getheader("X-Agentmem-Writer"))
    os.kill(child, signal.SIGSTOP)  # the next add is held by the child
    answer: dict = {}
    held = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while True:  # a connection to the same worker
        response, _ = _send(held, "GET", "/healthz", {})
        if response.getheader("X-Agentmem-Worker") == worker:
            break
        held = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def held_add() -> None:
        answer["response"], answer["body"] = _add(held, "kill", "held")

    thread = threading.Thread(target=held_add)
    thread.start()
    time.sleep(0.5)
    os.kill(child, signal.SIGKILL)
    thread.join(30)
    assert not thread.is_alive()
    assert answer["response"].status == 500
    message = answer["body"]["error"]["message"]
    assert f"pid {child} exited with code -9" in message and "--no-writer-process" in message
    response, record = _add(conn, "kill", "The second note")
    assert response.status == 201, record
    again = int(response.getheader("X-Agentmem-Writer"))
    assert again != child and _parent(again) == int(worker)
    assert "starting a new writer process" in log.read_text()


def test_one_worker_over_an_embedded_index_gets_a_chroma_server_for_its_writer(tmp_path):
    """`--writer-process` on the setting 'auto' leaves off (one worker, embedded index):
    the index's directory is served from a Chroma server; stopping leaves no process."""
    from servers import free_port

    port, log = free_port(), tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTMEM_CHROMA")}
    proc = _serve(tmp_path / "h", log, port, "--writer-process", env=env)
    try:
        _wait_ready(port, proc, log, 1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        response, record = _add(conn, "solo", "The heron nests by the quarry pond")
        child = int(response.getheader("X-Agentmem-Writer"))
        assert response.status == 201 and _parent(child) == proc.pid
        assert _search(conn, "solo", "heron quarry pond")[:1] == [record["id"]]
    finally:
        _stop(proc)
    assert "chroma" in (tmp_path / "h" / "chroma-server.log").read_text().lower()
    deadline = time.monotonic() + 10
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(child)  # SIGTERM to the group: the writer stopped with its worker
    ps = subprocess.run(["ps", "-eo", "pid=,pgid=,stat=,args="], capture_output=True, text=True)
    rows = [line.split(None, 3) for line in ps.stdout.splitlines()]
    left = [r for r in rows if r[1] == str(proc.pid) and not r[2].startswith("Z")]
    assert left == []  # nothing of the service's process group is left
    assert not any(str(tmp_path / "h") in r[-1] for r in rows)  # nor its Chroma server


def test_the_setting_decides_where_the_writer_runs():
    embedded = MemoryConfig.create(home="/tmp/agentmem-writer-setting")
    served = embedded.with_overrides(chroma={"host": "127.0.0.1", "port": 8000})
    assert not serving.writer_wanted(embedded, 1)  # 'auto': one process owns the index
    assert serving.writer_wanted(embedded, 2)  # several workers get a Chroma server anyway
    assert serving.writer_wanted(served, 1)
    assert not serving.writer_wanted(served, 2, choice=False)
    assert serving.writer_wanted(embedded, 1, choice=True)
    off = served.with_overrides(server={"writer_process": "off"})
    assert not serving.writer_wanted(off, 2)
    with pytest.raises(ConfigError, match="server.writer_process: .*'auto', 'on' or 'off'.*'yes'"):
        MemoryConfig.create(server={"writer_process": "yes"})


def test_handed_over_vectors_are_held_for_a_while(tmp_path):
    """`handover` gives the vectors still waiting for the index (none once flushed, the
    generation then moved); `hold` searches them from the overlay until their time."""
    import numpy as np

    from agentmem import Memory

    with Memory(home=tmp_path / "h", embedding={"model": "hash"}) as mem:
        indexer = mem.long_term.indexer
        record = mem.add("The kestrel hovers over the verge", "hal")
        handed = indexer.handover([record.id, "unknown"])
        assert list(handed) == [record.id] and handed[record.id][0] == "hal"
        mem.flush()
        assert indexer.handover([record.id]) == {}
        assert mem.long_term.vector_generation("hal") > 0
        vector = np.ones(handed[record.id][1].shape, dtype=np.float32)
        vector /= np.linalg.norm(vector)
        indexer.hold({"held": ("hal", vector)}, seconds=0.3)
        assert [i for i, _ in indexer.pending("hal", vector, 3)] == ["held"]
        time.sleep(0.4)
        assert indexer.pending("hal", vector, 3) == []
