"""The same-text lookup of every write (`MemoryQuery.text_in`) reads through an index on
lower(text) (migration 0004), finds texts whatever their case, and the index takes texts of
any length the config allows. On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import event, text

from agentmem import Memory, Scope
from agentmem.stores.sql_query import MemoryQuery

INDEX = "ix_memories_text_lower"


def _plan(mem: Memory, query: MemoryQuery) -> str:
    """SQLite: the plan of the statement `find` runs. PostgreSQL, whose planner reads a tiny
    table whole or through any index by its statistics: the definition of the index."""
    engine = mem.long_term.sql.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            rows = conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": INDEX}
            )
            return " ".join(r[0] for r in rows)
    seen = []

    def listener(conn, cursor, sql, params, context, many):
        seen.append((sql, params))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        mem.long_term.find(query)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    sql, params = next((q, p) for q, p in seen if "lower" in q)
    with engine.begin() as conn:
        return " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))


def test_same_text_lookup_uses_the_index(mem_sql):
    mem = mem_sql
    scope = Scope("ines")
    long_text = "Notes from the harbour survey, " + "tide and silt readings " * 800
    texts = ["Water the ferns on the balcony every Sunday", long_text]
    stored = mem.add_many(texts, scope)
    mem.add_many(["Water the ferns on the balcony every Sunday"], Scope("other"))
    query = MemoryQuery(
        user_id="ines", kinds=["note"], text_in=[t.upper() for t in texts] + ["absent"]
    )
    found = mem.long_term.find(query)
    assert {r.id for r in found} == {r.id for r in stored}
    plan = _plan(mem, query)
    assert INDEX in plan and "lower(text)" in plan.replace("<expr>", "lower(text)")
