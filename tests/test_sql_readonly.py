"""Memory.sql: one read-only SELECT over the caller's rows; everything else is refused."""

import pytest

from agentmem import QueryRefusedError


@pytest.fixture
def filled(mem, alice, bob):
    mem.add_many(["I live in Berlin", "My dog is called Rex"], alice)
    mem.add("I live in Oslo", bob)
    return mem


def test_select_with_where_order_and_join(filled, alice):
    rows = filled.sql(
        "SELECT m.text, e.op FROM memories m JOIN memory_events e "
        "ON e.memory_id = m.id ORDER BY m.text",
        alice,
    )
    assert rows == [
        {"text": "I live in Berlin", "op": "ADD"},
        {"text": "My dog is called Rex", "op": "ADD"},
    ]


def test_user_cte_and_aggregates(filled, alice):
    rows = filled.sql(
        "WITH t AS (SELECT user_id FROM memories) SELECT user_id, count(*) AS n "
        "FROM t GROUP BY user_id;",
        alice,
    )
    assert rows == [{"user_id": "alice", "n": 2}]


def test_internal_columns_are_hidden(filled, alice):
    row = filled.sql("SELECT * FROM memories LIMIT 1", alice)[0]
    assert "pk" not in row and "index_dirty" not in row and row["user_id"] == "alice"


def test_strings_may_contain_keywords(filled, alice):
    assert filled.sql("SELECT 'DROP TABLE memories; --' AS s", alice) == [
        {"s": "DROP TABLE memories; --"}
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM memories",
        "UPDATE memories SET text = 'x'",
        "INSERT INTO memories (id) VALUES ('x')",
        "DROP TABLE memories",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "PRAGMA table_info(memories)",
        "SELECT * FROM memories; DELETE FROM memories",
        "SELECT * FROM memories; SELECT 1",
        "SELECT * FROM memories -- comment",
        "SELECT * FROM memories /* c */",
        "SELECT * FROM sqlite_master",
        "SELECT * FROM alembic_version",
        "SELECT * FROM memories_fts",
        "SELECT * FROM main.memories",
        'SELECT * FROM "memories"',
        "SELECT load_extension('x')",
        "WITH x AS (DELETE FROM memories RETURNING *) SELECT * FROM x",
        "VACUUM",
        "SELECT * INTO copy FROM memories",
        "",
        "SELECT 'unterminated",
        "EXPLAIN SELECT 1",
    ],
)
def test_refused(filled, alice, statement):
    with pytest.raises(QueryRefusedError):
        filled.sql(statement, alice)
    assert len(filled.sql("SELECT id FROM memories", alice)) == 2


def test_bad_sql_is_reported_not_raised_raw(filled, alice):
    with pytest.raises(QueryRefusedError, match="the statement failed"):
        filled.sql("SELECT nonexistent_column FROM memories", alice)


def test_a_longer_result_than_max_rows_is_refused_not_cut_short(filled, alice):
    statement = "SELECT text FROM memories ORDER BY text"
    assert len(filled.sql(statement, alice, max_rows=2)) == 2
    with pytest.raises(QueryRefusedError, match="more than 1 rows; add a LIMIT"):
        filled.sql(statement, alice, max_rows=1)
    assert filled.sql(statement + " LIMIT 1", alice, max_rows=1) == [{"text": "I live in Berlin"}]
