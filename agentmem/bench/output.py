"""The output flags every `agentmem bench X` shares, and the writer behind them.

One convention for all benchmarks:

- no flag: progress on stderr, a table on stdout;
- `--json`: the results as JSON on stdout, nothing else there (progress stays off);
- `--out DIR`: also writes `DIR/X.json`, `DIR/X.txt` (the table) and, where the benchmark
  draws one, `DIR/X.png`; the directory is created when missing.

Older spellings keep working for a while with a note on stderr: `--out FILE.json` writes
that one JSON file, and `lora --json FILE` writes FILE.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_output_flags(parser: argparse.ArgumentParser, name: str, *, plot: bool = False) -> None:
    """`--json` and `--out DIR` on a benchmark's parser; `name` names the files written."""
    parser.set_defaults(bench_name=name)
    parser.add_argument(
        "--json", action="store_true", help="print the results as JSON on stdout (no table)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"also write {name}.json and {name}.txt (the table)"
        + (f" and {name}.png" if plot else "")
        + " into DIR",
    )


def emit(
    args: argparse.Namespace,
    results: Any,
    table: Callable[[Any], str],
    *,
    plot: Callable[[Any, Path], Any] | None = None,
    printed: Any = None,
) -> dict[str, str]:
    """Print the table or, with `--json`, the JSON (`printed` when given: a shorter view
    of `results`); write the files `--out` asks for. Returns the paths written, by kind."""
    text = json.dumps(results, indent=2, default=str)
    written = write(args.out, args.bench_name, text, results, table, plot) if args.out else {}
    if args.json:
        print(text if printed is None else json.dumps(printed, indent=2, default=str))
    else:
        print(table(results), flush=True)
    if written and not args.json:
        print("wrote " + ", ".join(written.values()), file=sys.stderr)
    return written


def write(
    out: Path,
    name: str,
    text: str,
    results: Any,
    table: Callable[[Any], str],
    plot: Callable[[Any, Path], Any] | None,
) -> dict[str, str]:
    if out.suffix == ".json" and not out.is_dir():  # the older `--out FILE.json`
        deprecated(f"--out {out}", f"--out {out.parent}")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        return {"json": str(out)}
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / f"{name}.json", "table": out / f"{name}.txt"}
    paths["json"].write_text(text, encoding="utf-8")
    paths["table"].write_text(table(results) + "\n", encoding="utf-8")
    if plot is not None:
        paths["plot"] = out / f"{name}.png"
        plot(results, paths["plot"])
    return {k: str(p) for k, p in paths.items()}


def captured(show: Callable[[Any], None]) -> Callable[[Any], str]:
    """A table function that prints (rich) as one that returns its text."""

    def text(results: Any) -> str:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            show(results)
        return buffer.getvalue().rstrip("\n")

    return text


def deprecated(old: str, new: str) -> None:
    print(f"note: `{old}` is deprecated; use `{new}` (see `--help`)", file=sys.stderr)


__all__ = ["add_output_flags", "captured", "deprecated", "emit", "write"]
