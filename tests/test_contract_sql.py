"""The SQL store's contract, run against SQLite and PostgreSQL alike.

Every test takes `url` (a fresh, empty database of each dialect) or `mem` (a Memory on it).
PostgreSQL comes from the session's throwaway cluster (tests/servers.py); when its
binaries are missing the fixture fails with the reason rather than skipping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from agentmem import Memory, Scope
from agentmem.long_term import WritePlan
from agentmem.short_term import word_counter
from agentmem.stores import protocols
from agentmem.stores.sql import MemoryQuery, SQLStore
from agentmem.types import Conflict, Episode, MemoryEvent, MemoryRecord


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'contract.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(url):
    s = SQLStore(url)
    yield s
    s.close()


def test_the_backend_implements_the_store_protocol(store):
    assert isinstance(store, protocols.MemoryStore)
    assert protocols.mismatches(store, protocols.MemoryStore) == []


def test_the_protocol_check_names_what_a_backend_lacks_or_declares_otherwise(store):
    class Partial:
        def get_memory(self, conn, memory_ids, user_id):  # another parameter name
            return None

    found = protocols.mismatches(Partial(), protocols.MemoryStore)
    assert "insert_memories: missing" in found
    assert any(m.startswith("get_memory: takes") for m in found)
    assert not isinstance(Partial(), protocols.MemoryStore)


@pytest.fixture
def mem(url, tmp_path):
    with Memory(
        home=tmp_path / "home",
        database_url=url,
        embedding={"model": "hash"},
        token_counter=word_counter,
    ) as m:
        yield m


def _record(text: str, user: str = "alice", **kw) -> MemoryRecord:
    now = kw.pop("at", datetime.now(UTC))
    return MemoryRecord(
        id=kw.pop("id", None) or f"m{abs(hash((text, user, now))) % 10**12}",
        text=text,
        scope=Scope(user),
        created_at=now,
        updated_at=now,
        valid_from=now,
        recorded_at=now,
        **kw,
    )


# --- schema and store ------------------------------------------------------------------
def test_migrations_are_idempotent_and_create_the_schema(url):
    SQLStore(url).close()
    store = SQLStore(url)  # second open: upgrade to head is a no-op
    tables = set(inspect(store.engine).get_table_names())
    assert {"memories", "episodes", "memory_events", "conflicts", "alembic_version"} <= tables
    with store.begin() as conn:
        assert store.count_memories(conn) == 0
    store.close()


def test_memory_roundtrip_keeps_types(store):
    at = datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=UTC)
    meta = {"emoji": "🦊", "nested": {"list": [1, 2.5, None, True]}, "quote": 'it\'s "x"'}
    record = _record(
        "Grüße aus Köln 🦊",
        at=at,
        metadata=meta,
        kind="fact",
        subject="user",
        attribute="lives_in",
        value="Köln",
        importance=0.25,
    )
    with store.begin() as conn:
        store.insert_memories(conn, [record])
    with store.begin() as conn:
        got = store.get_memory(conn, record.id, "alice")
    assert got.text == record.text and got.metadata == meta
    assert got.created_at == at and got.created_at.tzinfo is not None
    assert (got.kind, got.subject, got.attribute, got.value) == ("fact", "user", "lives_in", "Köln")
    assert got.importance == 0.25 and got.valid_to is None


def test_reads_never_cross_users(store):
    a, b = _record("same text", "alice"), _record("same text", "bob", id="other")
    with store.begin() as conn:
        store.insert_memories(conn, [a, b])
    with store.begin() as conn:
        assert store.get_memory(conn, b.id, "alice") is None
        assert set(store.get_memories(conn, [a.id, b.id], MemoryQuery("alice"))) == {a.id}
        assert [r.id for r in store.find_memories(conn, MemoryQuery("alice"))] == [a.id]
        assert [i for i, _ in store.fulltext(conn, "same text", MemoryQuery("alice"), 10)] == [a.id]
        store.update_memory(conn, b.id, "alice", text="hijacked")
    with store.begin() as conn:
        theirs = store.get_memory(conn, b.id, "bob")
    assert theirs.text == "same text" and theirs.access_count == 0


def test_filters_on_status_time_kind_and_metadata(store):
    old = datetime(2020, 1, 1, tzinfo=UTC)
    rows = [
        _record("a", metadata={"n": 3, "ok": True, "f": 0.5, "s": "x"}, kind="note"),
        _record("b", kind="summary", at=old, id="b1"),
        _record("c", status="deleted", id="c1"),
    ]
    with store.begin() as conn:
        store.insert_memories(conn, rows)

    def ids(**kw):
        with store.begin() as conn:
            return {r.id for r in store.find_memories(conn, MemoryQuery("alice", **kw))}

    a = rows[0].id
    assert ids() == {a, "b1"}
    assert ids(statuses=None) == {a, "b1", "c1"}
    assert ids(kinds=["summary"]) == {"b1"}
    assert ids(created_before=old + timedelta(days=1)) == {"b1"}
    for key, value in (("n", 3), ("ok", True), ("f", 0.5), ("s", "x")):
        assert ids(metadata={key: value}) == {a}
    assert ids(metadata={"n": 4}) == set()
    assert ids(as_of=old + timedelta(seconds=1)) == {"b1"}
    assert ids(text_equals="A") == {a}


def test_dirty_rows_and_indexing_marks(store):
    rows = [_record(f"text {i}", id=f"id{i}") for i in range(5)]
    with store.begin() as conn:
        store.insert_memories(conn, rows)
    with store.begin() as conn:
        assert {r.id for r in store.dirty_memories(conn)} == {r.id for r in rows}
        store.mark_indexed(conn, ["id0", "id1"])
    with store.begin() as conn:
        assert {r.id for r in store.dirty_memories(conn)} == {"id2", "id3", "id4"}
        assert sum(len(b) for b in store.iter_all_memories(conn, batch=2)) == 5


def test_events_episodes_and_conflicts(store):
    alice = Scope("alice", session_id="s1")
    now = datetime.now(UTC)
    ep = [
        Episode(
            id=f"e{i}", scope=alice, role="user", content=f"turn {i}", created_at=now, seq=i + 1
        )
        for i in range(3)
    ]
    ev = MemoryEvent(
        id="ev1",
        memory_id="m1",
        scope=alice,
        op="ADD",
        old_text=None,
        new_text="x",
        actor="user",
        reason="r",
        created_at=now,
        details={"k": [1]},
    )
    conflict = Conflict(id="c1", scope=alice, memory_ids=["m1", "m2"], reason="why", created_at=now)
    with store.begin() as conn:
        store.insert_episodes(conn, ep)
        store.insert_events(conn, [ev])
        store.insert_conflict(conn, conflict)
    with store.begin() as conn:
        assert store.next_episode_seq(conn, alice) == 4
        assert store.next_episode_seq(conn, Scope("alice", session_id="s2")) == 1
        assert [e.id for e in store.list_episodes(conn, alice, after_seq=1)] == ["e1", "e2"]
        assert store.get_event(conn, "ev1", "alice").details == {"k": [1]}
        assert store.get_event(conn, "ev1", "bob") is None
        assert store.list_conflicts(conn, "alice")[0].memory_ids == ["m1", "m2"]
        store.update_conflict(conn, "c1", "alice", status="resolved", resolution="m1")
        assert store.list_conflicts(conn, "alice") == []
        assert store.get_conflict(conn, "c1", "bob") is None


def test_purge_removes_one_user_only(store):
    with store.begin() as conn:
        store.insert_memories(conn, [_record("mine", "alice"), _record("theirs", "bob", id="b")])
    with store.begin() as conn:
        assert len(store.purge_user(conn, "alice")) == 1
    with store.begin() as conn:
        assert store.count_memories(conn, "alice") == 0
        assert store.count_memories(conn, "bob") == 1
        assert store.fulltext(conn, "mine", MemoryQuery("alice"), 10) == []


def test_ids_with_nul_find_nothing(store):
    with store.begin() as conn:
        assert store.get_memory(conn, "a\x00b", "alice") is None
        assert store.get_event(conn, "a\x00b", "alice") is None
        assert store.get_conflict(conn, "a\x00b", "alice") is None


def test_user_write_lock_is_reentrant_within_a_transaction(store):
    with store.begin() as conn:
        store.lock_user(conn, "alice")
        store.lock_user(conn, "alice")
        store.insert_memories(conn, [_record("locked write")])
    with store.begin() as conn:
        assert store.count_memories(conn, "alice") == 1


# --- full text -----------------------------------------------------------------------
def test_rolled_back_insert_is_not_searchable(mem, alice):
    record = MemoryRecord(id="r1", text="zebra crossing near home", scope=alice)
    store = mem.long_term.sql
    with pytest.raises(RuntimeError), store.begin() as conn:
        store.insert_memories(conn, [record])
        raise RuntimeError("simulated failure after the insert")
    assert mem.search("zebra", alice, mode="fulltext") == []
    mem.long_term.apply(WritePlan(inserts=[record]))
    assert [h.record.id for h in mem.search("zebra", alice, mode="fulltext")] == ["r1"]


def test_fulltext_ranking_update_and_diacritics(mem, alice):
    mem.add_many(
        [
            "apple apple apple pie",
            "apple tart",
            "banana bread",
            "Ich wohne in München und liebe Käse",
        ],
        alice,
    )
    hits = mem.search("apple", alice, mode="fulltext")
    assert [h.record.text for h in hits] == ["apple apple apple pie", "apple tart"]
    assert hits[0].score == 1.0 and 0.0 < hits[1].score < 1.0
    assert mem.search("Käse", alice, mode="fulltext")
    assert mem.search("munchen", alice, mode="fulltext")
    record = mem.search("banana", alice, mode="fulltext")[0].record
    mem.update(record.id, "cherry cake", alice)
    assert mem.search("banana", alice, mode="fulltext") == []
    assert mem.search("cherry", alice, mode="fulltext")[0].record.id == record.id


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "NEAR(",
        "AND OR NOT",
        "a:b",
        "col : x",
        "'; DROP TABLE memories; --",
        "!!! & | <->",
        "x:*",
        "\\",
        "foo_bar-baz",
        "ǅ ß Σ ﬁ",
        "😀 text",
    ],
)
def test_fulltext_query_syntax_is_safe(mem, alice, query):
    mem.add('quotes " and stars * and NEAR(x) and foo_bar text', alice)
    mem.search(query, alice, mode="fulltext")
    mem.search(query, alice)


def test_hybrid_search_sees_only_the_callers_rows(mem, alice, bob):
    """Each text may also be stored as the facts derived from it; all of them are the
    writer's own, and the other user's never appear."""
    a = mem.add("I live in Berlin and my dog is Rex", alice)
    b = mem.add("I live in Berlin and my dog is Max", bob)
    own = {who: {r["id"] for r in mem.sql("SELECT id FROM memories", who)} for who in (alice, bob)}
    assert a.id in own[alice] and b.id in own[bob] and not own[alice] & own[bob]
    for mode in ("hybrid", "fulltext", "semantic"):
        found = {h.record.id for h in mem.search("Berlin dog Max", alice, mode=mode)}
        assert a.id in found and found <= own[alice]
        found = {h.record.id for h in mem.search("Berlin dog Rex", bob, mode=mode)}
        assert b.id in found and found <= own[bob]


# --- memory lifecycle through the public API, per dialect -----------------------------
def test_update_delete_history_and_as_of(mem, alice):
    record = mem.add("I live in Berlin", alice)
    before = datetime.now(UTC)
    mem.update(record.id, "I live in Paris", alice)
    assert mem.get(record.id, alice, as_of=before).text == "I live in Berlin"
    assert [h.record.text for h in mem.search("live", alice, as_of=before)] == ["I live in Berlin"]
    mem.delete(record.id, alice)
    assert mem.search("Paris", alice) == []
    assert [e.op for e in mem.history(record.id, alice)] == ["ADD", "UPDATE", "DELETE"]


def test_identical_statement_reinforces(mem, alice):
    first = mem.add("My dog is called Rex", alice)
    again = mem.add("my dog is called rex", alice)
    assert again.id == first.id and mem.get(first.id, alice).access_count == 1
    assert [e.op for e in mem.history(first.id, alice)] == ["ADD", "REINFORCE"]


def test_observe_and_purge(mem, alice, bob):
    mem.observe("user", "I work as a baker in Leeds", alice)
    mem.add("bob keeps bees", bob)
    mem.purge(alice)
    assert mem.sql("SELECT count(*) AS n FROM memories", alice) == [{"n": 0}]
    assert mem.sql("SELECT count(*) AS n FROM episodes", alice) == [{"n": 0}]
    assert mem.sql("SELECT count(*) AS n FROM memories", bob) == [{"n": 1}]


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 2**62, 1.5, True, "2147483648"])
def test_metadata_filter_on_large_and_mixed_values(mem, value):
    kept = mem.add("tagged memory", "alice", {"n": value})
    mem.add("other memory", "alice", {"n": "text"})
    hits = mem.search("memory", "alice", filters={"metadata": {"n": value}})
    assert [h.record.id for h in hits] == [kept.id]


def test_fulltext_matches_other_forms_of_a_word(mem, alice):
    """Stemming: a question's word finds the memory that uses another form of it."""
    mem.add_many(
        ["Yesterday I painted the old barn red", "The orchard needs watering", "Lunch at noon"],
        alice,
    )
    for query in ("Who paints barns?", "painting", "watered orchards"):
        hits = mem.search(query, alice, mode="fulltext")
        assert hits, query
    assert mem.search("painting", alice, mode="fulltext")[0].record.text.startswith("Yesterday")
    assert mem.search("Käsebrot", alice, mode="fulltext") == []


def test_hybrid_lifts_the_turn_after_a_matching_one(mem, alice):
    """In a session, the reply to a turn that matches the question is lifted towards it
    though it shares no word with the question."""
    session = Scope("alice", session_id="s1")
    filler = [f"Chatting about topic number {n} and nothing else" for n in range(30)]
    turns = ["Nadia: which instrument did your nephew pick for the school band?"]
    turns += ["Omar: he chose a trombone, loud and proud", *filler]
    mem.add_many(turns, session, kind="episode")
    mem.flush()  # a transcript's vectors follow from the background index writer
    query = "Which instrument did the nephew pick for the band?"

    def reply_hit():
        hits = mem.search(query, alice, top_k=len(turns), explain=True)
        assert hits[0].record.text == turns[0]
        return next((i, h) for i, h in enumerate(hits) if h.record.text == turns[1])

    rank, lifted = reply_hit()
    assert rank == 1 and lifted.explanation["neighbours"] > 0
    mem.config.search.neighbour_weight = 0.0
    _, plain = reply_hit()
    assert "neighbours" not in plain.explanation and plain.score < lifted.score


def test_upgrade_to_stemming_reindexes_existing_rows(url):
    """A database whose full-text index predates stemming (revision 0002, as 0001 used to
    build it) is migrated: its rows are found by other forms of their words."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from agentmem.stores import fulltext
    from agentmem.stores.schema import memories
    from agentmem.stores.sql import MIGRATIONS, _memory_row

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        fulltext.drop(conn)
        if conn.dialect.name == "sqlite":
            old = [s.replace("porter ", "") for s in fulltext._SQLITE_DDL]
        else:
            old = [
                s.replace(fulltext.PG_CONFIG, "agentmem_fts")
                .replace("COPY = english", "COPY = simple")
                .replace("english_stem", "simple")
                for s in fulltext._POSTGRES_DDL
            ]
        for statement in old:
            conn.execute(text(statement))
        conn.execute(memories.insert(), [_memory_row(_record("We painted the fences blue"))])
    engine.dispose()
    store = SQLStore(url)
    try:
        with store.begin() as conn:
            hits = store.fulltext(conn, "painting fence", MemoryQuery(user_id="alice"), 5)
        assert len(hits) == 1
    finally:
        store.close()
