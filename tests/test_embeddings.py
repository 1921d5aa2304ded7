import numpy as np

from agentmem.adapters.embeddings import (
    HashEmbedder,
    MiniLMEmbedder,
    OnnxMiniLMEmbedder,
    bundled_minilm_path,
)


def test_hash_embedder_is_deterministic_and_normalised():
    a, b = HashEmbedder(), HashEmbedder()
    v = a.embed(["the cat sat", "the cat sat", "quantum physics"])
    assert np.array_equal(v, b.embed(["the cat sat", "the cat sat", "quantum physics"]))
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0)
    assert v[0] @ v[1] > 0.99 and v[0] @ v[2] < 0.5
    assert a.embed([]).shape == (0, 384)


def test_bundled_minilm_loads_offline_and_batches(minilm):
    assert bundled_minilm_path().is_dir()
    assert isinstance(minilm, OnnxMiniLMEmbedder) and minilm.dimension == 384
    vectors = minilm.embed(["I love my dog", "My puppy is adorable", "Tax law in 1850"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert np.allclose(minilm.embed_query("I love my dog"), vectors[0], atol=1e-5)


def test_onnx_export_matches_pytorch(minilm):
    texts = ["I live in Lisbon", "My sister Anna lives in Osaka and loves ramen", "ok"]
    onnx_vectors = minilm.embed(texts)
    torch_vectors = MiniLMEmbedder().embed(texts)
    assert np.allclose((onnx_vectors * torch_vectors).sum(axis=1), 1.0, atol=1e-4)
