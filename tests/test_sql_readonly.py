"""Memory.sql: one read-only SELECT over the caller's rows, on SQLite and PostgreSQL.

Every attack asserts an outcome: refused with QueryRefusedError, or rows of the scope only
(no marker of another user's or agent's rows in the result). The catalogue of attacks is in
tests/sql_attacks.py.
"""

from __future__ import annotations

import secrets
import threading

import pytest
from sql_attacks import CONFINED, REFUSED

from agentmem import Memory, QueryRefusedError, QueryTimeoutError, Scope
from agentmem.short_term import word_counter
from agentmem.stores import sql_guard


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def url(backend, tmp_path, request):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'readonly.db'}"
    return request.getfixturevalue("pg_url")


def _memory(url, home, **sql) -> Memory:
    return Memory(
        home=home,
        database_url=url,
        embedding={"model": "hash"},
        token_counter=word_counter,
        sql=sql,
    )


@pytest.fixture
def markers():
    """Words that appear only in rows alice must never see."""
    return {who: f"{who}{secrets.token_hex(6)}" for who in ("bob", "carol1", "carol2")}


@pytest.fixture
def mem(url, tmp_path, markers):
    with _memory(url, tmp_path / "home", timeout_s=20) as m:
        m.add_many(["I live in Berlin", "Pack the red scarves"], Scope("alice"))
        m.add(f"the vault code is {markers['bob']}", Scope("bob"), {"tag": markers["bob"]})
        m.observe("user", f"my pin is {markers['bob']}", Scope("bob", session_id="s1"))
        m.add(f"agent one notes {markers['carol1']}", Scope("carol", agent_id="a1"))
        m.add(f"agent two notes {markers['carol2']}", Scope("carol", agent_id="a2"))
        m.add("carol shares a garden", Scope("carol"))
        yield m


def _leaks(rows, markers, allowed=()) -> list[str]:
    blob = repr(rows)
    return [who for who, word in markers.items() if who not in allowed and word in blob]


# --- what must keep working -------------------------------------------------------------
def test_readme_examples_and_joins(mem):
    alice = Scope("alice")
    rows = mem.sql("SELECT kind, count(*) AS n FROM memories GROUP BY kind", alice)
    assert sum(r["n"] for r in rows) == 2 and len({r["kind"] for r in rows}) == len(rows)
    rows = mem.sql(
        "SELECT m.text, e.op FROM memories m JOIN memory_events e "
        "ON e.memory_id = m.id ORDER BY m.text",
        alice,
    )
    assert rows == [
        {"text": "I live in Berlin", "op": "ADD"},
        {"text": "Pack the red scarves", "op": "ADD"},
    ]
    rows = mem.sql(
        "SELECT count(DISTINCT m.id) AS memories, count(DISTINCT e.id) AS events, "
        "(SELECT count(*) FROM episodes) AS episodes, (SELECT count(*) FROM conflicts) AS c, "
        "(SELECT count(*) FROM adapters) AS a "
        "FROM memories m LEFT JOIN memory_events e ON e.memory_id = m.id",
        alice,
    )
    assert rows == [{"memories": 2, "events": 2, "episodes": 0, "c": 0, "a": 0}]
    # PostgreSQL's generator adds a cast here; the SQL that runs is checked again
    rows = mem.sql("SELECT round(avg(importance), 2) AS a, count(*) AS n FROM memories", alice)
    assert len(rows) == 1 and rows[0]["n"] == 2 and rows[0]["a"] is not None


def test_windows_ctes_and_set_operations(mem):
    alice = Scope("alice")
    rows = mem.sql(
        "WITH t AS (SELECT text, length(text) AS n FROM memories) "
        "SELECT text, rank() OVER (ORDER BY n DESC) AS r, sum(n) OVER () AS total "
        "FROM t ORDER BY r",
        alice,
    )
    assert [r["r"] for r in rows] == [1, 2] and rows[0]["total"] == 36
    rows = mem.sql(
        "SELECT text FROM memories UNION ALL SELECT op FROM memory_events ORDER BY 1", alice
    )
    assert [r["text"] for r in rows] == ["ADD", "ADD", "I live in Berlin", "Pack the red scarves"]
    assert mem.sql(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) "
        "SELECT count(*) AS c FROM n",
        alice,
    ) == [{"c": 3}]


def test_json_on_metadata(mem, markers):
    bob = Scope("bob")
    assert mem.sql(
        "SELECT meta ->> 'tag' AS tag FROM memories WHERE meta ->> 'tag' <> ''", bob
    ) == [{"tag": markers["bob"]}]


def test_strings_and_comments_are_data_and_noise(mem):
    alice = Scope("alice")
    assert mem.sql("SELECT 'DROP TABLE memories; --' AS s", alice) == [
        {"s": "DROP TABLE memories; --"}
    ]
    assert mem.sql("SELECT count(*) AS n FROM memories WHERE text LIKE '%Berl_n%'", alice) == [
        {"n": 1}
    ]
    assert mem.sql(
        "SELECT /* a; DELETE FROM memories */ count(*) AS n FROM memories -- x", alice
    ) == [{"n": 2}]


def test_internal_columns_are_hidden(mem):
    row = mem.sql("SELECT * FROM memories LIMIT 1", Scope("alice"))[0]
    assert "pk" not in row and "index_dirty" not in row and row["user_id"] == "alice"
    with pytest.raises(QueryRefusedError, match="the statement failed"):
        mem.sql("SELECT pk FROM memories", Scope("alice"))


# --- scope --------------------------------------------------------------------------------
def test_an_agent_sees_its_own_and_the_users_shared_rows(mem, markers):
    texts = {r["text"] for r in mem.sql("SELECT text FROM memories", Scope("carol", "a2"))}
    assert texts == {f"agent two notes {markers['carol2']}", "carol shares a garden"}
    everyone = mem.sql("SELECT text, agent_id FROM memories", Scope("carol"))
    assert len(everyone) == 3
    events = mem.sql("SELECT agent_id FROM memory_events", Scope("carol", "a1"))
    assert {e["agent_id"] for e in events} == {"a1", None}


def test_confined(mem, markers):
    """Each statement runs or is refused; what runs returns only the scope's rows."""
    leaks = {}
    for scope, own in ((Scope("alice"), ()), (Scope("carol", "a2"), ("carol2",))):
        for statement in CONFINED:
            try:
                rows = mem.sql(statement, scope)
            except QueryRefusedError:
                continue
            if found := _leaks(rows, markers, allowed=own):
                leaks[(scope.user_id, statement)] = found
    assert leaks == {}


def test_refused(mem):
    count = "SELECT count(*) AS n FROM memories"
    before = [mem.sql(count, Scope(user)) for user in ("alice", "bob")]
    let_through = {}
    for statement in REFUSED:
        try:
            let_through[statement] = mem.sql(statement, Scope("alice"))
        except QueryRefusedError:
            continue
    assert let_through == {}
    assert [mem.sql(count, Scope(user)) for user in ("alice", "bob")] == before


def test_the_reports_leak_is_refused(mem, markers, backend):
    """Issue 13: dollar quotes hid a subquery over public.memories from the old checker."""
    leak = (
        "SELECT $$'$$ AS a, (SELECT string_agg(user_id||chr(58)||text,chr(124)) "
        "FROM public.memories) AS leak, $$'$$ AS b"
    )
    with pytest.raises(QueryRefusedError):
        mem.sql(leak, Scope("bob"))
    if backend == "sqlite":  # SQLite has no dollar quotes: the statement does not parse
        return
    with pytest.raises(QueryRefusedError, match="public.memories"):
        mem.sql(leak, Scope("bob"))
    # the same shape over the scope view runs, and sees bob's rows only
    rows = mem.sql(leak.replace("public.memories", "memories"), Scope("bob"))
    assert rows[0]["a"] == "'" and _leaks(rows, markers, allowed=("bob",)) == []
    assert markers["bob"] in rows[0]["leak"]


# --- limits -------------------------------------------------------------------------------
FOREVER = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"


def test_a_statement_past_the_time_limit_is_stopped(url, tmp_path, backend):
    with _memory(url, tmp_path / "home", timeout_s=1) as mem:
        mem.add("I live in Berlin", Scope("alice"))
        with pytest.raises(QueryTimeoutError, match=r"sql\.timeout_s = 1 s"):
            mem.sql(FOREVER, Scope("bob"))
        assert mem.sql("SELECT count(*) AS n FROM memories", Scope("alice")) == [{"n": 1}]
        if backend == "postgresql":  # stopped on the server, not only abandoned by the client
            assert _active(mem) == 0
        mem.add("I work in Leipzig", Scope("alice"))


def test_writes_go_on_while_a_long_statement_runs(url, tmp_path, backend):
    with _memory(url, tmp_path / "home", timeout_s=8) as mem:
        outcome: list[BaseException] = []
        started = threading.Event()

        def long_read() -> None:
            started.set()
            try:
                mem.sql(FOREVER, Scope("bob"))
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread
                outcome.append(exc)

        reader = threading.Thread(target=long_read)
        reader.start()
        started.wait()
        if backend == "postgresql":
            while reader.is_alive() and not _active(mem):
                reader.join(0.05)
        for text in ("I live in Berlin", "Pack the red scarves", "I like tea"):
            mem.add(text, Scope("alice"))
        assert reader.is_alive()  # the writes did not wait for the read
        reader.join()
        assert len(outcome) == 1 and isinstance(outcome[0], QueryTimeoutError)
        assert mem.sql("SELECT count(*) AS n FROM memories", Scope("alice")) == [{"n": 3}]


def _active(mem) -> int:
    """Runs of FOREVER (or fetches from its cursor) still active on the server. Only those
    are counted: the test's database may hold other work at that moment (an autovacuum
    worker after the schema's writes, a background write of the memory)."""
    with mem.long_term.sql.engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
            "AND datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' "
            # the read runs as FETCHes from a server-side cursor declared over FOREVER
            "AND (position('FETCH' in query) = 1 OR position('RECURSIVE' in upper(query)) > 0)"
        ).scalar()


def test_a_longer_result_than_max_rows_is_refused_not_cut_short(mem):
    alice = Scope("alice")
    statement = "SELECT text FROM memories ORDER BY text"
    assert len(mem.sql(statement, alice, max_rows=2)) == 2
    with pytest.raises(QueryRefusedError, match="more than 1 rows; add a LIMIT"):
        mem.sql(statement, alice, max_rows=1)
    assert mem.sql(statement + " LIMIT 1", alice, max_rows=1) == [{"text": "I live in Berlin"}]


def test_a_result_or_value_larger_than_max_result_bytes_is_refused(url, tmp_path):
    doubling = (
        "WITH RECURSIVE c(s, n) AS (SELECT 'ab', 1 UNION ALL SELECT s || s, n + 1 FROM c "
        "WHERE n < 21) SELECT n, s FROM c ORDER BY n DESC LIMIT 1"
    )
    with _memory(url, tmp_path / "home", max_result_bytes=1_000_000) as mem:
        mem.add("I live in Berlin", Scope("alice"))
        with pytest.raises(QueryRefusedError, match=r"sql\.max_result_bytes = 1000000"):
            mem.sql(doubling, Scope("alice"))
        assert mem.sql(doubling.replace("21", "3"), Scope("alice")) == [{"n": 3, "s": "ab" * 4}]


# --- the database layer holds on its own --------------------------------------------------
BEHIND_THE_PARSER = {
    "sqlite": [
        "SELECT * FROM main.memories",
        "SELECT * FROM memories",
        "SELECT * FROM sqlite_master",
        "SELECT * FROM pragma_database_list",
        "SELECT sqlite_version()",
        "SELECT load_extension('x')",
        "SELECT printf('%.*c', 999999999, 'x')",
        "INSERT INTO memories (id) VALUES ('x')",
        "DELETE FROM memories",
        "ATTACH DATABASE ':memory:' AS x",
        "PRAGMA database_list",
    ],
    "postgresql": [
        "SELECT * FROM public.memories",
        "SELECT * FROM public.alembic_version",
        "SELECT * FROM memories",
        "DELETE FROM public.memories",
        "CREATE TEMP TABLE t (x int)",
        "SELECT * FROM public.memories FOR UPDATE",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT query_to_xml('select * from public.memories', true, true, '')",
    ],
}
# PostgreSQL: a server-side cursor takes only a query, so a write is a syntax error there
DENIED = {
    "sqlite": "outside the scope views",
    "postgresql": "outside the scope views|read-only|does not exist|syntax error",
}


def test_the_database_refuses_what_the_parser_would(url, tmp_path, backend, monkeypatch):
    """With the parser replaced by a pass-through, the database alone still confines."""
    monkeypatch.setattr(sql_guard, "confine", lambda s, _d, v: sql_guard.Confined(s, frozenset(v)))
    with _memory(url, tmp_path / "home", timeout_s=1) as mem:
        mem.add("I live in Oslo", Scope("bob"))
        for statement in BEHIND_THE_PARSER[backend]:
            with pytest.raises(QueryRefusedError, match=DENIED[backend]):
                mem.sql(statement, Scope("alice"))
        with pytest.raises(QueryTimeoutError):
            mem.sql(FOREVER, Scope("alice"))
        if backend == "postgresql":
            with pytest.raises(QueryTimeoutError):
                mem.sql("SELECT pg_sleep(30)", Scope("alice"))
            mem.sql("SELECT pg_advisory_lock(7) AS held", Scope("alice"))
            with mem.long_term.sql.engine.connect() as other:  # released with the call
                assert other.exec_driver_sql("SELECT pg_try_advisory_lock(7)").scalar()
        monkeypatch.undo()
        assert mem.sql("SELECT count(*) AS n FROM memories", Scope("bob")) == [{"n": 1}]
