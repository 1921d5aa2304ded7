"""The long-running agent example runs end to end on embedded storage."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "examples" / "long_running_agent.py"


def test_long_running_agent_example(tmp_path, capsys, monkeypatch):
    from agentmem.short_term import word_counter

    monkeypatch.setattr("agentmem.manager.lazy_token_counter", lambda config: word_counter)
    spec = importlib.util.spec_from_file_location("long_running_agent", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--home", str(tmp_path / "home"), "--turns", "60", "--hash"]) == 0
    out = capsys.readouterr().out
    assert "The user lives in Lisbon" in out
    assert "peanuts" in out and "Pepper" in out
    assert "current home: ['Lisbon']" in out
    assert "summary: True" in out
    assert re.search(r"\b[1-9]\d* automatic consolidations", out)
