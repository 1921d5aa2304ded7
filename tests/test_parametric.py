"""Parametric memory on a tiny random Llama: dataset, training, registry, activation, lifecycle."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

pytest.importorskip("peft")
torch = pytest.importorskip("torch")

from agentmem import Memory  # noqa: E402
from agentmem.errors import FingerprintMismatch, ModelError, ValidationError  # noqa: E402
from agentmem.long_term import WritePlan, new_id  # noqa: E402
from agentmem.parametric import corpus, promotion, runners  # noqa: E402
from agentmem.parametric import train as trainer  # noqa: E402
from agentmem.parametric.dataset import (  # noqa: E402
    FactItem,
    build_dataset,
    synthetic_facts,
)
from agentmem.parametric.registry import purge_user  # noqa: E402
from agentmem.parametric.service import ParametricMemory  # noqa: E402
from agentmem.parametric.testing import tiny_base  # noqa: E402
from agentmem.types import MemoryRecord, Scope, utcnow  # noqa: E402

FAST = {
    "steps": 3,
    "eval_every": 3,
    "batch_size": 4,
    "replay_batch": 2,
    "max_new_tokens": 8,
    "rank": 4,
    "alpha": 8,
    "top_layers": None,
    "learning_rate": 1e-2,
}


@pytest.fixture
def mem(tmp_path):
    m = Memory(home=tmp_path, embedding={"model": "hash"}, lora=FAST)
    yield m
    m.close()


@pytest.fixture
def pm(mem):
    return ParametricMemory(mem.config, mem.long_term, base=tiny_base())


def add_fact(mem, user, subject, attribute, value, agent=None, **kw):
    scope = Scope(user_id=user, agent_id=agent)
    rec = MemoryRecord(
        id=new_id(),
        text=f"{subject} {attribute} {value}",
        scope=scope,
        kind="fact",
        subject=subject,
        attribute=attribute,
        value=value,
        **kw,
    )
    mem.long_term.apply(WritePlan(inserts=[rec]))
    return rec


# --- dataset --------------------------------------------------------------------------
def test_dataset_keeps_heldout_phrasings_apart():
    facts = synthetic_facts(12, seed=3)
    data = build_dataset(facts, heldout=2)
    train_prompts = {e.prompt for e in data.train}
    assert len(data.heldout) == 24
    assert not train_prompts & {e.prompt for e in data.heldout}
    assert all(e.value in e.answer for e in data.train + data.heldout)
    assert data.fact_versions == {f.id: 1 for f in facts}


def test_synthetic_facts_are_distinct_and_seeded():
    a, b = synthetic_facts(50, seed=1), synthetic_facts(50, seed=1)
    assert a == b
    assert len({f.subject for f in a}) == 50 and len({f.value for f in a}) == 50


def test_user_subject_and_unknown_attribute():
    rec = MemoryRecord(
        id="m1",
        text="I live in Oslo",
        scope=Scope("u"),
        kind="fact",
        subject="user",
        attribute="favourite_colour",
        value="teal",
    )
    item = FactItem.from_record(rec, user_name="Ana")
    assert item.subject == "Ana" and "teal" in item.statement()
    assert all("Ana" in q for q in item.questions())
    with pytest.raises(ValidationError):
        build_dataset([])


def test_replay_and_eval_texts_do_not_overlap():
    assert not set(corpus.REPLAY_TEXTS) & set(corpus.EVAL_TEXTS)
    replay_words = {w for t in corpus.REPLAY_TEXTS for w in t.split()}
    assert all(len(set(t.split()) - replay_words) > 10 for t in corpus.EVAL_TEXTS)


# --- training -------------------------------------------------------------------------
def _train_once(seed: int, cancel=None):
    from peft import get_peft_model

    from agentmem.config import LoRAConfig

    base = tiny_base()
    cfg = LoRAConfig(**{**FAST, "seed": seed, "steps": 4})
    model = get_peft_model(base.model, trainer.peft_config(cfg, 2), adapter_name="t")
    data = build_dataset(synthetic_facts(3, seed=0))
    replay = trainer.replay_pool(model, base.codec, max_new_tokens=4)
    result = trainer.train(model, base.codec, data, cfg, replay=replay, cancel=cancel)
    weights = {k: v.clone() for k, v in model.state_dict().items() if "lora_" in k}
    return result, weights


def test_training_is_deterministic():
    r1, w1 = _train_once(0)
    r2, w2 = _train_once(0)
    _, w3 = _train_once(1)
    assert r1.steps == r2.steps == 4 and r1.history and "kl" in r1.history[0]
    assert all(torch.equal(w1[k], w2[k]) for k in w1)
    assert any(not torch.equal(w1[k], w3[k]) for k in w1)


def test_training_is_cancellable():
    stop = threading.Event()
    stop.set()
    result, _ = _train_once(0, cancel=stop)
    assert result.stopped == "cancelled" and result.steps == 0
    calls = iter(range(100))
    result, _ = _train_once(0, cancel=lambda: next(calls) >= 2)
    assert result.stopped == "cancelled" and result.steps == 2


def test_cancelled_training_saves_nothing(mem, pm):
    add_fact(mem, "alice", "Alice", "lives_in", "Quorvath")
    stop = threading.Event()
    stop.set()
    with pytest.raises(ModelError, match="cancelled"):
        pm.train(Scope("alice"), cancel=stop)
    assert pm.adapters(Scope("alice")) == []


# --- registry and lifecycle -----------------------------------------------------------
def test_train_registers_versions_and_rollback(mem, pm, tmp_path):
    add_fact(mem, "alice", "Alice", "lives_in", "Quorvath")
    v1 = pm.train(Scope("alice"))
    assert v1.version == 1 and v1.status == "active" and len(v1.fact_ids) == 1
    assert (tmp_path / "adapters").exists() and "adapter_model.safetensors" in {
        p.name for p in (tmp_path / "adapters").rglob("*")
    }
    v2 = pm.train(Scope("alice"))
    statuses = {a.version: a.status for a in pm.adapters(Scope("alice"))}
    assert statuses == {2: "active", 1: "inactive"} and v2.version == 2
    back = pm.rollback(Scope("alice"))
    assert back.version == 1 and back.status == "active"
    assert {a.version: a.status for a in pm.adapters(Scope("alice"))} == {
        1: "active",
        2: "inactive",
    }
    rows = mem.sql("SELECT version, status FROM adapters ORDER BY version", Scope("alice"))
    assert [r["version"] for r in rows] == [1, 2]
    assert mem.sql("SELECT * FROM adapters", Scope("bob")) == []


def test_adapter_answers_only_its_own_user(mem, pm):
    add_fact(mem, "alice", "Alice", "lives_in", "Quorvath")
    prompts = ["Where does Alice live?"] * 2
    before = pm.generate(prompts, [Scope("alice"), Scope("bob")], max_new_tokens=8)
    pm.config.lora.learning_rate = 5e-2
    pm.train(Scope("alice"))
    mixed = pm.generate(prompts, [Scope("alice"), Scope("bob")], max_new_tokens=8)
    assert mixed[1] == before[1]  # bob has no adapter: the base model answers him
    assert mixed[0] != before[0]  # alice's adapter changed her answer
    assert pm.generate(prompts[:1], [Scope("bob")], max_new_tokens=8)[0] == before[1]
    assert pm.generate(prompts[:1], [Scope("alice")], max_new_tokens=8)[0] == mixed[0]
    with pm.activated(Scope("bob")) as active:
        assert active == []
    with pm.activated(Scope("alice")) as active:
        assert [a.scope.user_id for a in active] == ["alice"]
    # outside activation the shared model is the plain base model again
    assert pm.generate(prompts[:1], [Scope("bob")], max_new_tokens=8)[0] == before[1]


def test_fresh_process_reloads_and_refuses_other_base(mem, pm):
    add_fact(mem, "alice", "Alice", "lives_in", "Quorvath")
    pm.train(Scope("alice"))
    expected = pm.generate(["Where does Alice live?"], [Scope("alice")], max_new_tokens=8)
    again = ParametricMemory(mem.config, mem.long_term, base=tiny_base())
    assert (
        again.generate(["Where does Alice live?"], [Scope("alice")], max_new_tokens=8) == expected
    )
    other = ParametricMemory(mem.config, mem.long_term, base=tiny_base(seed=7))
    with pytest.raises(FingerprintMismatch):
        other.generate(["Where does Alice live?"], [Scope("alice")])


def test_truncated_adapter_file_is_refused(mem, pm):
    add_fact(mem, "alice", "Alice", "lives_in", "Quorvath")
    info = pm.train(Scope("alice"))
    weights = next(
        p for p in __import__("pathlib").Path(info.path).iterdir() if p.suffix == ".safetensors"
    )
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    fresh = ParametricMemory(mem.config, mem.long_term, base=tiny_base())
    with pytest.raises(ModelError, match="corrupt"):
        fresh.generate(["Where does Alice live?"], [Scope("alice")])


def test_changed_fact_marks_adapter_stale_and_text_wins(mem, pm):
    fact = add_fact(mem, "alice", "Alice", "lives_in", "Quorvath")
    pm.train(Scope("alice"))
    mem.update(fact.id, "Alice lives in Belmora", Scope("alice"))
    mem.long_term.apply(WritePlan(updates=[(fact.id, "alice", {"value": "Belmora"})]))
    [adapter] = pm.adapters(Scope("alice"))
    assert adapter.status == "stale"
    assert [r.value for r in pm.overrides(Scope("alice"))] == ["Belmora"]
    reply = pm.answer("Where does Alice live?", Scope("alice"), max_new_tokens=4)
    assert reply.adapter_id == adapter.id and reply.memories == [fact.id]
    rebuilt = pm.train(Scope("alice"))
    assert rebuilt.version == 2 and rebuilt.fact_ids == {fact.id: 2}
    assert pm.overrides(Scope("alice")) == []


def test_reading_adapters_never_trains_or_writes_only_refresh_does(mem, pm):
    fact = add_fact(mem, "alice", "Alice", "lives_in", "Quorvath")
    pm.train(Scope("alice"))
    pm.config.lora.auto_rebuild = True
    mem.update(fact.id, "Alice lives in Belmora", Scope("alice"))
    mem.long_term.apply(WritePlan(updates=[(fact.id, "alice", {"value": "Belmora"})]))
    for _ in range(2):  # chat reads these on every turn
        [shown] = pm.current(Scope("alice"))
        [listed] = pm.adapters(Scope("alice"))
        assert shown.status == listed.status == "stale" and shown.version == 1
    assert pm.registry.current(Scope("alice")).status == "active"  # nothing written
    rebuilt = pm.refresh(Scope("alice"))
    assert rebuilt.version == 2 and rebuilt.status == "active"
    assert [a.version for a in pm.adapters(Scope("alice"))] == [2, 1]


def test_agent_adapter_learns_user_facts_jointly(mem, pm):
    user_fact = add_fact(mem, "alice", "Alice", "lives_in", "Quorvath")
    agent_fact = add_fact(mem, "alice", "Helper", "likes", "Zentrel", agent="bot")
    user = pm.train(Scope("alice"))
    agent = pm.train(Scope("alice", agent_id="bot"))
    assert user.fact_ids.keys() == {user_fact.id}
    assert agent.scope.agent_id == "bot" and agent.fact_ids.keys() == {user_fact.id, agent_fact.id}
    assert [a.id for a in pm.current(Scope("alice", agent_id="bot"))] == [agent.id]
    assert [a.id for a in pm.current(Scope("alice"))] == [user.id]
    reply = pm.answer("Where does Alice live?", Scope("alice", agent_id="bot"), max_new_tokens=4)
    assert reply.adapter_id == agent.id


def test_agent_and_user_adapters_merged_by_peft(mem, pm):
    pm.config.lora.combination = "cat"
    add_fact(mem, "alice", "Alice", "lives_in", "Quorvath")
    add_fact(mem, "alice", "Helper", "likes", "Zentrel", agent="bot")
    user = pm.train(Scope("alice"))
    agent = pm.train(Scope("alice", agent_id="bot"))
    assert len(agent.fact_ids) == 1
    assert [a.id for a in pm.current(Scope("alice", agent_id="bot"))] == [user.id, agent.id]
    reply = pm.answer("Where does Alice live?", Scope("alice", agent_id="bot"), max_new_tokens=4)
    assert reply.adapter_id == f"{user.id}+{agent.id}"


def test_purge_user_removes_rows_files_and_loaded_adapters(mem, pm, tmp_path):
    add_fact(mem, "alice", "Alice", "lives_in", "Quorvath")
    add_fact(mem, "bob", "Bob", "lives_in", "Tarnish")
    a = pm.train(Scope("alice"))
    pm.train(Scope("bob"))
    assert purge_user(pm.registry, "alice") == 1
    assert pm.adapters(Scope("alice")) == [] and len(pm.adapters(Scope("bob"))) == 1
    assert not __import__("pathlib").Path(a.path).exists()
    mem._parametric = pm
    assert purge_user(mem, "bob") == 1
    assert pm.adapters(Scope("bob")) == []
    assert purge_user((mem.long_term.sql.engine, tmp_path), "nobody") == 0


# --- promotion ------------------------------------------------------------------------
def test_promotion_policy():
    policy = promotion.PromotionPolicy(min_age_days=7, min_recalls=3)
    now = utcnow()
    old = now - timedelta(days=10)

    def rec(**kw):
        base = {
            "id": new_id(),
            "text": "t",
            "scope": Scope("u"),
            "kind": "fact",
            "subject": "u",
            "attribute": "likes",
            "value": "tea",
        }
        return MemoryRecord(**{**base, **kw})

    assert policy.admits(rec(metadata={"pinned": True}), now)
    assert not policy.admits(rec(valid_from=old, access_count=1), now)
    assert policy.admits(rec(valid_from=old, access_count=3), now)
    assert not policy.admits(rec(access_count=5), now)  # too recent
    assert not policy.admits(rec(valid_from=old, access_count=5, status="superseded"), now)


def test_promote_trains_only_when_selection_changes(mem, pm):
    add_fact(mem, "alice", "Alice", "lives_in", "Quorvath", metadata={"pinned": True})
    add_fact(mem, "alice", "Alice", "likes", "Zentrel")  # new, never recalled: not promoted
    first = pm.promote(Scope("alice"))
    assert first is not None and len(first.fact_ids) == 1
    assert pm.promote(Scope("alice")) is None


def test_trunk_runner_matches_full_forward():
    from peft import get_peft_model

    from agentmem.config import LoRAConfig

    base = tiny_base(layers=3)
    cfg = LoRAConfig(**{**FAST, "top_layers": 1})
    model = get_peft_model(base.model, trainer.peft_config(cfg, 3), adapter_name="t")
    for p in model.parameters():  # a non-zero adapter, so that KL is not trivially 0
        if p.requires_grad:
            torch.nn.init.normal_(p, std=0.2)
    data = build_dataset(synthetic_facts(3, seed=0))
    examples = [base.codec.example_ids(e.prompt, e.answer) for e in data.train[:5]]
    replay = [base.codec.text_ids(t, 40) for t in corpus.REPLAY_TEXTS[:3]]
    trunk = runners.runner_for(model, base.codec, examples, replay)
    full = runners.FullRunner(model, base.codec, examples, replay)
    assert isinstance(trunk, runners.TrunkRunner) and trunk.start == 2
    assert torch.allclose(trunk.fact_loss([0, 3, 4]), full.fact_loss([0, 3, 4]), atol=1e-4)
    assert torch.allclose(trunk.kl([0, 2]), full.kl([0, 2]), atol=1e-2)
    assert float(full.kl([0, 2])) > 1e-4


def test_memory_facade_trains_lists_and_purges(mem):
    from types import SimpleNamespace

    assert mem.adapters("alice") == []
    assert getattr(mem, "_llm", None) is None  # listing never loads the model
    tiny = tiny_base()
    mem.llm = SimpleNamespace(
        model=tiny.model, tokenizer=tiny.tokenizer, fingerprint=tiny.fingerprint
    )
    add_fact(mem, "alice", "Alice", "lives_in", "Quorvath")
    info = mem.train_adapter("alice")
    assert [a.id for a in mem.adapters("alice")] == [info.id]
    mem.purge("alice")
    assert mem.adapters("alice") == []
    assert not __import__("pathlib").Path(info.path).exists()


def test_train_adapter_learns_memories_of_any_subject(mem):
    """A scope holding only third-person texts trains; questions name their subjects."""
    from types import SimpleNamespace

    from agentmem.parametric.dataset import build_dataset, facts_from_records

    tiny = tiny_base()
    mem.llm = SimpleNamespace(
        model=tiny.model, tokenizer=tiny.tokenizer, fingerprint=tiny.fingerprint
    )
    scope = Scope("bob")
    lives = mem.add("Brannoch Velt lives in the village of Ashcombe.", scope)
    bees = mem.add("Ysolde Marrow keeps bees behind the old chapel.", scope)
    mem.add("I am vegan.", scope)
    mem.add("I'm not vegan anymore.", scope)  # a retraction: nothing about veganism is learned
    learned = mem.parametric.facts(scope)
    assert {r.id for r in learned} == {lives.id, bees.id}
    questions = [e.prompt for e in build_dataset(facts_from_records(learned)).train]
    assert any("Brannoch Velt" in q for q in questions)
    assert any("Ysolde Marrow" in q for q in questions)
    info = mem.train_adapter(scope)
    assert set(info.fact_ids) == {lives.id, bees.id}
