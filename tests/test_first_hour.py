"""A new user's first hour, command by command: `observe` with facts, `update` that changes a
fact's value, one JSON shape per record type in CLI and HTTP, and LangChain's
RunnableWithMessageHistory storing each turn once."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from agentmem import Memory, Scope
from agentmem.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def hash_embedder(monkeypatch):
    monkeypatch.setenv("AGENTMEM_EMBEDDING__MODEL", "hash")


def cli(home, *args, ok=True):
    result = runner.invoke(app, ["--home", str(home), *args])
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


def cli_json(home, *args):
    return json.loads(cli(home, *args, "--json").stdout)


def _is_utc_iso(text: str) -> bool:
    parsed = datetime.fromisoformat(text)
    return parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0


def test_observe_prints_every_fact_it_learned(home):
    said = "Hey there, Carla here. I recently relocated to Valencia and I work as a pharmacist."
    result = cli(home, "observe", said, "-u", "carla", "-s", "first")
    assert "Valencia" in result.stdout and "pharmacist" in result.stdout
    obs = cli_json(home, "observe", "These days I live in Seville.", "-u", "carla", "-s", "first")
    fact = next(f for f in obs["facts"] if f["attribute"] == "lives_in")
    assert fact["value"] == "Seville" and fact["user_id"] == "carla"
    assert _is_utc_iso(fact["created_at"])
    assert {e["op"] for e in obs["events"]} >= {"SUPERSEDE"}
    assert all(_is_utc_iso(e["created_at"]) for e in obs["events"])


def test_update_reads_the_fact_again(home):
    rec = cli_json(home, "add", "My home town is Ghent", "-u", "dirk")
    assert rec["value"] == "Ghent"
    moved = cli_json(home, "update", rec["id"], "My home town is Leuven", "-u", "dirk")
    assert (moved["attribute"], moved["value"]) == (rec["attribute"], "Leuven")
    note = cli_json(home, "add", "call the plumber on Friday", "-u", "dirk")
    assert note["kind"] == "note" and note["attribute"] is None
    became = cli_json(home, "update", note["id"], "I work as a locksmith", "-u", "dirk")
    assert (became["kind"], became["value"]) == ("fact", "locksmith")
    older = cli_json(home, "show", rec["id"], "-u", "dirk", "--as-of", moved["updated_at"])
    assert older["value"] == "Leuven"


def test_cli_and_http_share_one_shape(home):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from agentmem.server import create_app

    cli(home, "add", "My bicycle is a red Gazelle", "-u", "erin")
    cli_hits = cli_json(home, "search", "bicycle", "-u", "erin")
    cli_episodes = cli_json(home, "observe", "I cycle to work", "-u", "erin")
    with Memory(home=home) as mem, TestClient(create_app(mem, api_keys={"k": {"erin"}})) as c:
        auth = {"Authorization": "Bearer k"}
        http_hits = c.post(
            "/v1/search", json={"user_id": "erin", "query": "bicycle"}, headers=auth
        ).json()["results"]
        created = c.post(
            "/v1/memories", json={"user_id": "erin", "text": "I live in Utrecht"}, headers=auth
        ).json()
        patched = c.patch(
            f"/v1/memories/{created['id']}",
            json={"user_id": "erin", "text": "I live in Zwolle"},
            headers=auth,
        ).json()
    assert set(cli_hits[0]) == set(http_hits[0])
    assert cli_hits[0]["id"] == http_hits[0]["id"]
    # `show` is the memory's shape plus its provenance (the episodes it came from)
    shown = cli_json(home, "show", created["id"], "-u", "erin")
    assert set(shown) == set(created) | {"sources"}
    assert patched["value"] == "Zwolle"
    assert all(_is_utc_iso(h["created_at"]) for h in cli_hits + http_hits)
    assert cli_episodes["episode_ids"]


def test_message_history_chain_stores_each_turn_once(home):
    pytest.importorskip("langchain_core")
    from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
    from langchain_core.runnables.history import RunnableWithMessageHistory

    from agentmem.adapters.langchain import AgentMemChatMessageHistory, ChatAgentMem
    from agentmem.llm.fakes import tiny_llm
    from agentmem.stores.schema import episodes

    with Memory(home=home) as mem:
        mem.llm = tiny_llm(config=mem.config)
        model = ChatAgentMem(memory=mem, scope=Scope(user_id="finn", session_id="fixed"))
        prompt = ChatPromptTemplate.from_messages(
            [MessagesPlaceholder("history"), ("human", "{question}")]
        )
        chain = RunnableWithMessageHistory(
            prompt | model,
            lambda sid: AgentMemChatMessageHistory(
                memory=mem, scope=Scope(user_id="finn", session_id=sid)
            ),
            input_messages_key="question",
            history_messages_key="history",
        )
        for question in ("my parrot is named Kiwi", "what is my parrot called?"):
            chain.invoke({"question": question}, {"configurable": {"session_id": "talk"}})
        with mem.long_term.sql.begin() as conn:
            rows = (
                conn.execute(episodes.select().where(episodes.c.user_id == "finn")).mappings().all()
            )
    assert sorted((r["session_id"], r["role"]) for r in rows) == [
        ("talk", "assistant"),
        ("talk", "assistant"),
        ("talk", "user"),
        ("talk", "user"),
    ]
