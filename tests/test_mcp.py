"""`agentmem mcp` driven by the MCP SDK's own client: over stdio (the client launches the
command) and over streamable HTTP on a real socket."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

mcp = pytest.importorskip("mcp")
from mcp import Client, StdioServerParameters  # noqa: E402

pytestmark = pytest.mark.slow
TOOLS = {"add", "observe", "search", "context", "facts", "history", "conflicts"}


def _env() -> dict[str, str]:
    return {**os.environ, "AGENTMEM_EMBEDDING__MODEL": "hash"}


def _payload(result) -> object:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        data = result.structured_content
        return data["result"] if set(data) == {"result"} else data
    return json.loads(result.content[0].text)


def _stdio(home, *extra: str) -> StdioServerParameters:
    args = ["-m", "agentmem.cli", "--home", str(home), "mcp", *extra]
    return StdioServerParameters(command=sys.executable, args=args, env=_env())


async def _walk_through(client) -> None:
    names = {t.name for t in (await client.list_tools()).tools}
    assert TOOLS | {"resolve_conflict"} <= names
    first = _payload(await client.call_tool("add", {"text": "I live in Tromso"}))
    second = _payload(await client.call_tool("add", {"text": "I moved to Bodo"}))
    assert (first["attribute"], second["value"]) == ("lives_in", "Bodo")
    hits = _payload(await client.call_tool("search", {"query": "Bodo", "top_k": 3}))
    assert hits[0]["id"] == second["id"]
    facts = _payload(await client.call_tool("facts", {"attribute": "lives_in"}))
    assert [f["value"] for f in facts] == ["Bodo"]
    ops = [e["op"] for e in _payload(await client.call_tool("history", {"memory_id": first["id"]}))]
    assert "SUPERSEDE" in ops
    ctx = _payload(await client.call_tool("context", {"query": "where do I live?"}))
    assert "Bodo" in json.dumps(ctx["messages"])
    missing = await client.call_tool("history", {"memory_id": "no-such-id"})
    assert missing.is_error and "no-such-id" in missing.content[0].text


@pytest.mark.anyio
async def test_stdio_tools_for_the_configured_user(home):
    async with Client(_stdio(home, "-u", "hana")) as client:
        await _walk_through(client)
    async with Client(_stdio(home, "-u", "ivo")) as other:
        assert _payload(await other.call_tool("facts", {})) == []
        found = _payload(await other.call_tool("search", {"query": "Bodo"}))
        assert found == []


@pytest.mark.anyio
async def test_conflicts_resolved_through_mcp(home, tmp_path):
    cfg = tmp_path / "agentmem.toml"
    cfg.write_text('[conflicts]\ndefault_policy = "manual"\n')
    params = _stdio(home, "-u", "jo")
    params.args[2:2] = ["--config", str(cfg)]
    async with Client(params) as client:
        await client.call_tool("add", {"text": "I work as a welder"})
        await client.call_tool("add", {"text": "I work as a baker"})
        (open_,) = _payload(await client.call_tool("conflicts", {}))
        events = _payload(
            await client.call_tool(
                "resolve_conflict", {"conflict_id": open_["id"], "choice": "new"}
            )
        )
        assert events and _payload(await client.call_tool("conflicts", {})) == []
        facts = _payload(await client.call_tool("facts", {"attribute": "works_as"}))
        assert [f["value"] for f in facts] == ["baker"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.anyio
async def test_streamable_http(home, tmp_path):
    port = _free_port()
    log = open(tmp_path / "mcp.log", "w")
    cmd = [sys.executable, "-m", "agentmem.cli", "--home", str(home), "mcp", "-u", "kai"]
    proc = subprocess.Popen(
        [*cmd, "--transport", "http", "--port", str(port)],
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None, (tmp_path / "mcp.log").read_text()
            assert time.monotonic() < deadline, "MCP server did not start in 120 s"
            time.sleep(0.3)
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            await _walk_through(client)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
