"""The retrieval benchmark runs end to end on a small corpus and reports every figure."""

from agentmem.bench import corpus, retrieval


def test_corpus_labels_point_at_the_planted_memory():
    c = corpus.build(400, per_user=100, seed=1)
    assert c.size == 400 and len(c.memories) == 4
    for q in c.queries:
        answer = c.memories[q.user_id][q.answer_index]
        assert "(note" not in answer  # answers are planted facts, never filler


def test_run_reports_throughput_latency_and_quality(tmp_path):
    result = retrieval.run((400,), queries=20, per_user=100, embedder="hash", home=tmp_path)
    entry = result["sizes"][0]
    assert entry["memories"] == 400 and entry["ingest"]["memories_per_s"] > 0
    assert set(entry["latency_ms"]) == {"fulltext", "semantic", "hybrid"}
    assert all(v["p95"] >= v["p50"] > 0 for v in entry["latency_ms"].values())
    assert set(entry["quality"]) == {
        "fulltext",
        "semantic",
        "hybrid_zscore",
        "hybrid_rrf",
        "hybrid_sum",
        "numpy_cosine",
    }
    for scores in entry["quality"].values():
        assert 0.0 <= scores["recall@5"] <= 1.0 and scores["n"] == 20
    assert "memories/s" in retrieval.table(result)
    assert list(tmp_path.iterdir()) == []  # the working directory is cleaned up
