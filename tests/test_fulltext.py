"""FTS5 follows the memories table inside the same transaction; scores lie in [0, 1]."""

from agentmem.stores import fulltext


def test_rolled_back_insert_is_not_searchable(mem, alice):
    from agentmem.long_term import WritePlan
    from agentmem.types import MemoryRecord

    record = MemoryRecord(id="r1", text="zebra crossing near home", scope=alice)
    store = mem.long_term.sql
    try:
        with store.begin() as conn:
            store.insert_memories(conn, [record])
            raise RuntimeError("simulated failure after the insert")
    except RuntimeError:
        pass
    assert mem.search("zebra", alice, mode="fulltext") == []
    mem.long_term.apply(WritePlan(inserts=[record]))
    assert [h.record.id for h in mem.search("zebra", alice, mode="fulltext")] == ["r1"]


def test_text_update_reindexes(mem, alice):
    record = mem.add("I drive a red bicycle", alice)
    mem.update(record.id, "I drive a blue scooter", alice)
    assert [h.record.text for h in mem.search("scooter", alice, mode="fulltext")] == [
        "I drive a blue scooter"
    ]
    assert mem.search("bicycle", alice, mode="fulltext") == []


def test_scores_are_normalised_and_ranked(mem, alice):
    mem.add_many(["apple apple apple pie", "apple tart", "banana bread"], alice)
    hits = mem.search("apple", alice, mode="fulltext")
    assert [h.record.text for h in hits][:2] == ["apple apple apple pie", "apple tart"]
    assert hits[0].score == 1.0 and 0.0 < hits[1].score < 1.0


def test_query_syntax_characters_are_safe(mem, alice):
    mem.add('quotes " and stars * and NEAR(x)', alice)
    for query in ('"', "*", "NEAR(", "AND OR NOT", "a:b", "col : x", "'; DROP TABLE x"):
        mem.search(query, alice, mode="fulltext")  # never a syntax error


def test_query_terms_drop_stopwords_but_never_empty():
    assert fulltext.query_terms("Where do I live?") == ["live"]
    assert fulltext.query_terms("what is it") == ["what", "is", "it"]
    assert fulltext.query_terms("!!!") == []


def test_non_ascii_text(mem, alice):
    mem.add("Ich wohne in München und liebe Käse", alice)
    assert mem.search("Käse", alice, mode="fulltext")
    assert mem.search("munchen", alice, mode="fulltext")  # diacritics folded
