"""The parse's matrix products on numpy's BLAS (`extraction_blas`) annotate every token as
thinc's BLIS does, and the section that holds numpy's BLAS at one thread gives the
process's setting back, however it is left.

The texts are written for this file in a register of their own (clipped chat, long asides,
questions, numbers and names the pipeline must tag as entities), apart from the fact
suites and the extractor's probes.
"""

from __future__ import annotations

import threading

import pytest

from agentmem.facts.extraction import blas, parse
from agentmem.facts.extraction.pipeline import load_pipeline

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

TEXTS = (
    "ok so update: Bartholomew finally sold the narrowboat, we're landlocked again lol",
    "Grandma Ifeoma turned 91 on Tuesday and still beats everyone at whist.",
    "Can't believe the ferry to Stornoway was cancelled twice in one week?!",
    "Honestly, after eleven years in Rotterdam, I think Oskar misses the canals more than I do.",
    "Nope. Not vegan anymore. Cheese won.",
    "my cousins in Lagos and Accra are both training as radiographers at the moment",
    "Did you ever hear back from Thornfield & Daughters about the apprenticeship?",
    "The twins (Rafe and Imogen) start at St Columba's in September, which is wild.",
    "we adopted a three-legged greyhound called Biscuit from the shelter on Harbour Road",
    "Worked nights at the depot till 2019, then the bakery, and now nothing, blissfully.",
)


def annotations(docs) -> list[list[tuple]]:
    """Every token attribute the extractor reads, the entity recogniser's included."""
    return [
        [
            (t.text, t.tag_, t.pos_, t.dep_, t.head.i, t.lemma_, str(t.morph), t.ent_type_)
            for t in doc
        ]
        for doc in docs
    ]


def test_numpy_products_annotate_as_blis_does():
    nlp = load_pipeline()
    if not blas.use_numpy_blas(nlp):
        pytest.skip("numpy's BLAS cannot be held at one thread here")
    outside = annotations(nlp.pipe(TEXTS))  # no section: BLIS's products
    with blas.one_thread():
        inside = annotations(nlp.pipe(TEXTS))
    assert inside == outside
    # and one text at a time, as a reading's restatement is parsed
    with blas.one_thread():
        alone = annotations([nlp(t) for t in TEXTS[:3]])
    assert alone == outside[:3]


def _threads() -> list[int]:
    controller = blas._controller()
    return [lib.num_threads for lib in controller.lib_controllers]


def test_the_section_gives_the_thread_setting_back():
    if blas._controller() is None:
        pytest.skip("no BLAS library threadpoolctl can set")
    before = _threads()
    with blas.one_thread():
        assert set(_threads()) == {1}
        with blas.one_thread():  # nested: still one thread, and the outer exit restores
            assert set(_threads()) == {1}
        assert set(_threads()) == {1}
    assert _threads() == before
    with pytest.raises(RuntimeError), blas.one_thread():
        raise RuntimeError("a parse that fails")
    assert _threads() == before


def test_overlapping_sections_from_threads_restore_once_all_have_left():
    if blas._controller() is None:
        pytest.skip("no BLAS library threadpoolctl can set")
    before = _threads()
    inside, leave = threading.Barrier(4), threading.Event()
    seen: list[set[int]] = []

    def section() -> None:
        with blas.one_thread():
            inside.wait(timeout=10)
            leave.wait(timeout=10)
            seen.append(set(_threads()))

    workers = [threading.Thread(target=section) for _ in range(3)]
    for w in workers:
        w.start()
    inside.wait(timeout=10)
    leave.set()
    for w in workers:
        w.join(timeout=10)
    assert seen == [{1}, {1}, {1}]  # each saw one thread until it left
    assert _threads() == before
