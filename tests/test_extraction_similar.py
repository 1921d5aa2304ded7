"""Predicates the attribute table does not list take a slot by meaning, under the same
preposition; near misses (travel, study, stay) take none. This list of predicates is the
one THRESHOLD was set on; the fact suites (tests/facts_eval) are scored apart from it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agentmem import Memory
from agentmem.facts.extraction import parse, similar
from agentmem.facts.extraction.similar import similar_attribute

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")


@pytest.mark.parametrize(
    "predicate, preposition, attribute",
    [
        ("relocate", "to", "lives_in"),
        ("hire", "by", "works_at"),
        ("employ", "at", "works_at"),
        ("travel", "to", None),  # a trip is not a home
        ("fly", "to", None),
        ("commute", "to", None),
        ("return", "to", None),
        ("study", "at", None),  # a school is not an employer
        ("stay", "in", None),
        ("arrive", "in", None),
        ("live", "near", None),  # no predicate of the table takes "near"
        ("work", "with", None),
    ],
)
def test_a_predicate_takes_the_slot_of_its_nearest_synonym(predicate, preposition, attribute):
    assert similar_attribute(predicate, preposition) == attribute


@pytest.mark.parametrize(
    "text, fact",
    [
        ("Ambrose was hired by Quarrow Logistics.", ("Ambrose", "works_at", "Quarrow Logistics")),
        ("Last spring I relocated to Kingston.", ("user", "lives_in", "Kingston")),
    ],
)
def test_the_parse_reads_unlisted_predicates(text, fact):
    facts = {(f.subject, f.attribute, f.value) for f in parse.ParseExtractor().extract(text)}
    assert fact in facts


def test_a_trip_states_no_home():
    facts = parse.ParseExtractor().extract("In March I travelled to Kingston.")
    assert not [f for f in facts if f.attribute == "lives_in"]


@pytest.fixture
def fresh_similar(monkeypatch):
    """The slot table unloaded, so the test sees where its embedder is exported, and loads
    on open switched on (an earlier test may have run a CLI command, which switches them off
    for its process)."""
    monkeypatch.setattr(similar, "_CACHE_DIR", [])
    monkeypatch.setattr(similar, "_PRELOAD", [True])
    similar.reset()
    yield
    similar.reset()


def _parse_memory(home):
    return Memory(home=home, embedding={"model": "hash"}, consolidation={"extractor": "parse"})


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A folder whose `home` holds the embedder's export, made once for the module (about
    13 CPU-seconds) by the first text that needs the table, with the user's HOME and
    XDG_CACHE_HOME moved to `user` beside it."""
    root = tmp_path_factory.mktemp("similar")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(root / "user"))
        patch.setenv("XDG_CACHE_HOME", str(root / "user" / ".cache"))
        patch.setattr(similar, "_CACHE_DIR", [])
        similar.reset()
        with _parse_memory(root / "home"):
            assert similar_attribute("relocate", "to") == "lives_in"  # exports and loads
        similar.reset()
    return root


def test_the_embedder_export_stays_under_the_configured_home(exported):
    files = [p for p in (exported / "home").rglob("*") if p.is_file()]
    assert any(p.suffix == ".onnx" for p in files), files
    assert not (exported / "user").exists()


def test_a_memory_opened_where_the_export_is_loads_it_in_the_background(
    tmp_path, monkeypatch, exported, fresh_similar
):
    started = []
    real = similar.preload
    monkeypatch.setattr(similar, "preload", lambda then=None: started.append(real(then)))
    home = tmp_path / "home"
    with _parse_memory(home):  # a fresh home: nothing loads until a text needs it
        assert started == [None]
    assert not list(home.rglob("*.onnx"))
    with _parse_memory(exported / "home"):  # the export is there: it loads as the Memory opens
        started[-1].join()

        def load_again():
            raise AssertionError("the first use loaded the embedder again")

        monkeypatch.setattr(similar, "_embedder", load_again)
        assert similar_attribute("relocate", "to") == "lives_in"
        assert similar_attribute("employ", "at") == "works_at"


def test_a_command_of_the_cli_leaves_the_load_to_first_use(exported, fresh_similar):
    with _parse_memory(exported / "home"):
        similar.preload_on_open(False)
        assert similar.preload() is None
        similar.preload_on_open(True)
        thread = similar.preload()
        assert thread is not None
        assert similar.preload() is thread  # one load at a time
        thread.join()


_OPEN_AND_EXIT = """
import sys, threading
import onnxruntime
from agentmem import Memory

building = threading.Event()


class Session(onnxruntime.InferenceSession):  # says when the embedder's session is being built
    def __init__(self, *args, **kwargs):
        building.set()
        super().__init__(*args, **kwargs)


onnxruntime.InferenceSession = Session
Memory(home=sys.argv[1], embedding={"model": "hash"}, consolidation={"extractor": "parse"})
print("ends while building" if building.wait(120) else "no load")
"""


def test_a_process_that_ends_during_the_background_load_exits_cleanly(exported):
    """The loads run native code (spaCy, ONNX Runtime) on their thread: a process that ends
    meanwhile waits for them instead of tearing them down (that aborted with SIGABRT)."""
    done = subprocess.run(
        [sys.executable, "-c", _OPEN_AND_EXIT, str(exported / "home")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ends while building"  # it did end during the load
    assert "terminate called" not in done.stderr
