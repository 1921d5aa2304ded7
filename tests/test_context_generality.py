"""context() on long generated conversations, apart from LoCoMo: facts planted among small
talk early in long sessions, asked later in other words, through observe -> consolidate ->
context(). The conversations come from this file's own templates and seed (names, places,
wording unlike LoCoMo's and unlike the code's examples); the figures are printed, and the
invariants asserted are outcomes: what each speaker said is carried for questions about
several of them, and a day's turns cost fewer tokens with the day stated once."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from agentmem import Memory, Scope
from agentmem.bench.locomo_data import normalise

SEED = 20261130
PEOPLE = ["Odalys", "Teodor", "Wren", "Bashir", "Ingrid", "Kofi", "Salome", "Piet"]
FILLER = [
    "ha, that's so true",
    "honestly the weather has been all over the place this week",
    "did you end up watching that documentary about octopuses?",
    "I need more coffee, this morning is dragging",
    "lol same here, my inbox is a disaster",
    "anyway, how's everyone at home doing?",
    "oh nice, sounds like a good plan",
    "I keep forgetting to water the plants on the balcony",
    "traffic on the ring road was terrible again",
    "we should catch up properly some time soon",
    "my neighbour's dog barked the whole night, I'm wrecked",
    "yeah, totally get what you mean",
    "the new bakery down the road does great rye bread",
    "I'm thinking of repainting the hallway, not sure which colour",
]
# (statement said by one person, question asked later in other words, the answer)
SOLO = [  # {x}: a name, {y}: a city, {s}: a subject; the last item names the answer
    (
        "by the way, my brother {x} just relocated to {y} for work",
        "Where does {p}'s brother live now?",
        "y",
    ),
    (
        "we finally got a rescue greyhound, the kids called him {x}",
        "What is the name of {p}'s dog?",
        "x",
    ),
    (
        "I signed up for evening classes in {s}, starting next month",
        "What subject is {p} studying in the evenings?",
        "s",
    ),
    ("my flight to {y} leaves on the 14th, can't wait", "Which city is {p} flying to?", "y"),
]
JOINT = [  # {v}: each speaker's own value of the kind named last
    (
        "I've started learning the {v}, my fingers hurt",
        "Which instruments are {p} and {q} learning?",
        "instrument",
    ),
    ("I got hooked on {v} this year, I go twice a week", "What sports do {p} and {q} do?", "sport"),
]
VALUES = {
    "x": ["Lazlo", "Mirabel", "Quentin", "Juniper", "Caspian", "Ottoline", "Rufus", "Saffi"],
    "y": ["Tromso", "Valparaiso", "Ljubljana", "Hobart", "Tbilisi", "Winnipeg", "Cork", "Oaxaca"],
    "s": ["Portuguese", "astronomy", "bookbinding", "welding", "ceramics", "statistics"],
    "instrument": ["cello", "bassoon", "ukulele", "harp", "trombone", "accordion"],
    "sport": ["fencing", "bouldering", "rowing", "squash", "judo", "archery"],
}


@dataclass
class Case:
    question: str
    answers: list[str]
    joint: bool


def conversation(seed: int, sessions: int = 5, turns: int = 36):
    """Sessions of two people's small talk with facts planted in the first two sessions."""
    rng = random.Random(seed)
    a, b = rng.sample(PEOPLE, 2)
    planted: dict[tuple[int, int], tuple[str, str]] = {}
    cases: list[Case] = []
    for template, question, answer in SOLO:
        who = rng.choice([a, b])
        fills = {k: rng.choice(VALUES[k]) for k in ("x", "y", "s")}
        planted[_free(rng, planted, sessions, turns)] = (who, template.format(**fills))
        cases.append(Case(question.format(p=who), [fills[answer]], joint=False))
    for template, question, kind in JOINT:
        values = rng.sample(VALUES[kind], 2)
        for who, value in zip((a, b), values, strict=True):
            planted[_free(rng, planted, sessions, turns)] = (who, template.format(v=value))
        cases.append(Case(question.format(p=a, q=b), values, joint=True))
    start = datetime(2025, 2, 3, 9, 0, tzinfo=UTC)
    log = []
    for s in range(sessions):
        for t in range(turns):
            who, text = planted.get((s, t), ((a, b)[t % 2], rng.choice(FILLER)))
            log.append((s, who, text, start + timedelta(days=9 * s, minutes=t)))
    return log, cases


def _free(rng, planted, sessions, turns) -> tuple[int, int]:
    while True:
        slot = (rng.randrange(min(2, sessions)), rng.randrange(turns))
        if slot not in planted:
            return slot


def carried(home, minilm, seed: int, **settings) -> tuple[float, float, float]:
    """Share of answers in context() (solo questions, joint questions: every answer) and
    the context's tokens per past turn shown."""
    log, cases = conversation(seed)
    with Memory(home=home, embedder=minilm, consolidation={"background": False}) as mem:
        for name, value in settings.items():
            setattr(mem.context_builder, name, value)
        for s, who, text, when in log:
            mem.observe(
                "user", text, Scope(user_id="u", session_id=f"s{s}"), observed_at=when, speaker=who
            )
        for s in sorted({row[0] for row in log}):
            mem.consolidate(Scope(user_id="u", session_id=f"s{s}"))
        mem.flush()
        hits = {True: [], False: []}
        per_turn = []
        for case in cases:
            ctx = mem.context(case.question, Scope(user_id="u", session_id="later"), max_tokens=600)
            text = normalise("\n".join(m["content"] for m in ctx.messages))
            hits[case.joint].append(all(normalise(x) in text for x in case.answers))
            per_turn.append(ctx.tokens / max(1, len(ctx.episodes)))
    return (
        sum(hits[False]) / len(hits[False]),
        sum(hits[True]) / len(hits[True]),
        sum(per_turn) / len(per_turn),
    )


@pytest.mark.parametrize("seed", [SEED, SEED + 1])
def test_generated_conversations_before_and_after(tmp_path, minilm, seed):
    before = carried(tmp_path / "before", minilm, seed, per_person=False, day_headers=False)
    after = carried(tmp_path / "after", minilm, seed)
    print(f"seed {seed}: solo, joint, tokens per turn: before {before} after {after}")
    assert after[0] >= before[0] and after[1] >= before[1]
    assert after[2] < before[2]  # the day once per passage: more turns in the same budget


LOUD = [
    "Choir rehearsal ran late again, the tenors kept losing the melody",
    "We're singing a Brahms requiem at the spring concert",
    "I practised my choir part for an hour before dinner",
    "The choir director wants us to memorise the whole score",
    "Our choir is touring three churches in the autumn",
    "I love how the choir sounds in the old chapel",
    "Two new sopranos joined our choir this week",
    "The choir bought matching green scarves for the concert",
    "Singing with the choir is the best part of my week",
    "Our choir's accompanist plays the organ beautifully",
]


def two_people(mem: Memory, scope: Scope) -> None:
    """Anouk talks about her choir again and again; Dario mentions his band once."""
    when = datetime(2025, 6, 2, 18, 0, tzinfo=UTC)
    for i, text in enumerate(LOUD):
        mem.observe("user", text, scope, observed_at=when, speaker="Anouk")
        mem.observe("user", FILLER[i], scope, observed_at=when, speaker="Dario")
    band = "Me, I joined a brass band, I play the tuba"
    mem.observe("user", band, scope, observed_at=when, speaker="Dario")
    for text in FILLER[:6]:
        mem.observe("user", text, scope, observed_at=when, speaker="Anouk")
    mem.consolidate(scope)
    mem.flush()


def test_a_question_about_two_people_hears_the_quieter_one(tmp_path, minilm):
    """Asked about both, the context carries what the quieter one said (without turns
    searched per speaker, Dario's band is below Anouk's many choir turns)."""
    with Memory(home=tmp_path / "m", embedder=minilm, consolidation={"background": False}) as mem:
        two_people(mem, Scope(user_id="u", session_id="s1"))
        ask = Scope(user_id="u", session_id="later")
        ctx = mem.context("What music groups are Anouk and Dario part of?", ask, max_tokens=300)
    said = " ".join(e.content for e in ctx.episodes)
    assert "tuba" in said and "choir" in said
