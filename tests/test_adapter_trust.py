"""Adapters are loaded only with their checksum map: a manifest without it, or weights that
do not match it, are refused with a clear error; chat then answers with the base model and
says so in the reply. A tiny random Llama stands in for the local model."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("peft")

from agentmem import Memory, Scope  # noqa: E402
from agentmem.errors import ModelError  # noqa: E402
from agentmem.parametric.registry import MANIFEST, WEIGHTS  # noqa: E402
from agentmem.parametric.service import ParametricMemory  # noqa: E402
from agentmem.parametric.testing import tiny_base  # noqa: E402

FAST = {
    "steps": 2,
    "eval_every": 2,
    "batch_size": 4,
    "replay_batch": 2,
    "max_new_tokens": 4,
    "rank": 4,
    "alpha": 8,
    "top_layers": None,
}


class _Session:
    def decode(self, limit, **options):  # stop, penalties: unused
        yield from ["the ", "base ", "model"][:limit]

    def stats(self):
        return {"tokens_seen": 0}

    def token_path(self, position):
        return []


@pytest.fixture
def trained(tmp_path):
    """A Memory whose user 'mira' has a trained adapter; the model is tiny and random."""
    tiny = tiny_base(seed=3)
    with Memory(home=tmp_path, embedding={"model": "hash"}, lora=FAST) as mem:
        mem.llm = SimpleNamespace(
            model=tiny.model,
            tokenizer=tiny.tokenizer,
            fingerprint=tiny.fingerprint,
            chat_session=lambda system, turns, **_: (_Session(), False),
        )
        mem.add(
            "Mira's boat is called Petrel",
            "mira",
            fact={"subject": "Mira", "attribute": "boat", "value": "Petrel"},
        )
        info = mem.train_adapter("mira")
        yield mem, info, tiny


def _manifest(info) -> Path:
    return Path(info.path) / MANIFEST


def _unsign(info) -> None:
    data = json.loads(_manifest(info).read_text())
    del data["sha256"]
    _manifest(info).write_text(json.dumps(data))


def _flip(info) -> None:
    weights = Path(info.path) / WEIGHTS
    data = bytearray(weights.read_bytes())
    data[-7] ^= 0xFF  # one flipped byte inside the tensor data, the file still parses
    weights.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "tamper, needle",
    [([_unsign], "no SHA-256"), ([_unsign, _flip], "no SHA-256"), ([_flip], "checksum")],
)
def test_unsigned_or_altered_adapters_are_refused(trained, tamper, needle):
    mem, info, tiny = trained
    for change in tamper:
        change(info)
    fresh = ParametricMemory(mem.config, mem.long_term, base=tiny)
    with pytest.raises(ModelError, match=needle):
        fresh.generate(["What is Mira's boat called?"], [Scope("mira")])


def test_chat_falls_back_to_the_base_model_with_a_warning(trained):
    mem, info, _tiny = trained
    signed = mem.chat("what is my boat called?", "mira")
    assert signed.adapter_id == info.id and signed.warnings == []
    _unsign(info)
    _flip(info)
    mem._parametric = None  # a fresh process: nothing loaded yet
    reply = mem.chat("what is my boat called?", "mira")
    assert reply.text == "the base model"
    assert reply.adapter_id is None
    assert len(reply.warnings) == 1 and info.id in reply.warnings[0]
    assert "base model" in reply.warnings[0]
