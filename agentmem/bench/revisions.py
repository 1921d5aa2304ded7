"""This tree against another git revision, side by side, in child processes of their own
(`search_cpu`, `add_cpu`).

A child imports agentmem from this tree, or from the revision exported with `git archive`
and laid out as installed. Either way it calls the function of this tree's bench module
(copied into the export as `bench_shim`): the revision may predate the module. The helper
modules such a copy imports (`CARRIED`) go into the export where the revision lacks them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CARRIED = ("load_texts.py", "revisions.py")
SHIM = "bench_shim"


def export(revision: str, into: Path) -> Path:
    """The revision's sources laid out as installed (stores/ and adapters/ inside agentmem/)."""
    archive = subprocess.run(
        ["git", "-C", str(HERE.parents[1]), "archive", revision, "agentmem", "stores", "adapters"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    for sub in ("stores", "adapters"):
        (into / sub).rename(into / "agentmem" / sub)
    bench = into / "agentmem" / "bench"
    for name in CARRIED:
        if not (bench / name).exists():
            shutil.copyfile(HERE / name, bench / name)
    return into


def data_for(tree: Path, data: Path, into: Path) -> Path:
    """A copy of `data` (a home this tree filled) for the revision exported at `tree`: its
    SQLite databases brought down to the revision's newest migration, which could not open
    a schema a later migration of this tree made."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from agentmem.stores.sql import MIGRATIONS

    shutil.copytree(data, into)
    theirs = tree / "agentmem" / "stores" / "migrations"
    head = ScriptDirectory(str(theirs)).get_current_head()
    if head == ScriptDirectory(str(MIGRATIONS)).get_current_head():
        return into
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    for database in into.glob("*.db"):
        engine = create_engine(f"sqlite:///{database}")
        try:
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, head)
        finally:
            engine.dispose()
    return into


def run_child(module: str, call: str, tree: Path | None) -> dict[str, Any]:
    """Evaluate `call`, an expression over this tree's `agentmem.bench.<module>` imported as
    `bench` (and `Path`), in a child on one thread, with agentmem from `tree` (an `export`)
    or from this tree when None; returns the JSON it prints."""
    args, env, cwd = _child(module, call, tree)
    out = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_child(module: str, call: str, tree: Path | None) -> subprocess.Popen:
    """`run_child`, started and not waited for: its stdin and stdout are pipes (text), for
    a `call` that takes turns at the parent's word; the last line it prints is the JSON
    of `call` (`finish_child`)."""
    args, env, cwd = _child(module, call, tree)
    return subprocess.Popen(
        args, env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def finish_child(child: subprocess.Popen) -> dict[str, Any]:
    """The JSON result of a `start_child` child, once it has ended (it must succeed)."""
    assert child.stdin is not None and child.stdout is not None
    child.stdin.close()
    out = child.stdout.read()
    if child.wait() != 0:
        raise subprocess.CalledProcessError(child.returncode, child.args, out)
    return json.loads(out.strip().splitlines()[-1])


def _child(module: str, call: str, tree: Path | None) -> tuple[list[str], dict, Path | None]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    name = f"agentmem.bench.{module}"
    if tree is not None:
        shutil.copyfile(HERE / f"{module}.py", tree / f"{SHIM}.py")
        env["PYTHONPATH"] = str(tree)
        name = SHIM
    code = (
        f"import json\nfrom pathlib import Path\nimport {name} as bench\n"
        f"print(json.dumps({call}))\n"
    )
    # run inside the tree: `python -c` puts the working directory first on sys.path, so a
    # child started in this checkout imported this tree's agentmem whatever PYTHONPATH said
    return [sys.executable, "-c", code], env, tree


def parser(doc: str, *, rounds: int, seed: int) -> argparse.ArgumentParser:
    """The options every side-by-side bench takes; the caller adds its own."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--baseline", required=True, help="git revision to compare with")
    p.add_argument("--rounds", type=int, default=rounds, help="runs of each tree, alternating")
    p.add_argument("--seed", type=int, default=seed)
    p.add_argument("--json", action="store_true", help="print the result on one line")
    return p
