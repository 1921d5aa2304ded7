"""A user's terminal stays quiet: CLI commands run as real subprocesses with a fresh home
print nothing on stderr (no warnings, progress bars or library logs) unless `--debug`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
MODEL_CACHE = os.environ.get(
    "AGENTMEM_TEST_MODEL_CACHE", str(Path(tempfile.gettempdir()) / "agentmem-test-models")
)


def agentmem(home: Path, *args: str, embedder: str = "hash", **env: str):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("AGENTMEM_", "PYTHONWARN"))
    }
    environment.update(AGENTMEM_EMBEDDING__MODEL=embedder, **env)
    environment.pop("TRANSFORMERS_VERBOSITY", None)
    environment.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
    return subprocess.run(
        [sys.executable, "-m", "agentmem.cli", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )


def quiet_ok(result) -> str:
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout


def test_everyday_commands_print_nothing_on_stderr(tmp_path):
    home = tmp_path / "home"
    added = json.loads(
        quiet_ok(agentmem(home, "add", "My brother Tomas lives in Gdansk", "-u", "ola", "--json"))
    )
    quiet_ok(agentmem(home, "observe", "I started a job as a nurse in June", "-u", "ola"))
    assert "Gdansk" in quiet_ok(agentmem(home, "search", "brother", "-u", "ola"))
    quiet_ok(agentmem(home, "history", added["id"], "-u", "ola"))
    quiet_ok(agentmem(home, "stats"))
    quiet_ok(agentmem(home, "export", str(tmp_path / "dump.jsonl")))
    quiet_ok(agentmem(home, "kv", "policies"))


def test_bundled_embedder_loads_quietly(tmp_path):
    home = tmp_path / "home"
    quiet_ok(agentmem(home, "add", "I keep bees on the roof", "-u", "pia", embedder="minilm"))
    found = quiet_ok(agentmem(home, "search", "honey insects", "-u", "pia", embedder="minilm"))
    assert "bees" in found


@pytest.mark.llm
def test_chat_prints_only_the_reply(tmp_path):
    home = tmp_path / "home"
    cache = {"AGENTMEM_LLM__CACHE_DIR": MODEL_CACHE}
    out = quiet_ok(agentmem(home, "chat", "-u", "quinn", "-m", "Hello, who are you?", **cache))
    assert out.strip()


@pytest.mark.llm
def test_first_model_conversion_shows_no_library_bars(tmp_path):
    """A new user's first chat converts the bundled model: no tqdm bar of the library's."""
    home = tmp_path / "home"
    fresh = {"AGENTMEM_LLM__CACHE_DIR": str(tmp_path / "models")}
    out = quiet_ok(agentmem(home, "chat", "-u", "rui", "-m", "Good morning!", **fresh))
    assert out.strip()


@pytest.mark.llm
def test_a_program_using_the_library_sees_no_conversion_bar(tmp_path):
    """Not the CLI: a program of the user's own loads the model for the first time (the
    conversion), without the process-wide switches `quiet_process` sets for the CLI."""
    program = (
        "from agentmem.config import MemoryConfig\n"
        "from agentmem.llm.runtime import LocalLLM\n"
        f"config = MemoryConfig(home={str(tmp_path / 'home')!r}, "
        f"llm={{'cache_dir': {str(tmp_path / 'models')!r}}})\n"
        "print(LocalLLM.load(config).fingerprint)\n"
    )
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("AGENTMEM_", "TQDM_", "HF_"))
    }
    environment.pop("TRANSFORMERS_VERBOSITY", None)
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "Converting" not in result.stderr and "it/s" not in result.stderr, result.stderr
