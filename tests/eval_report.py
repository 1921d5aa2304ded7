"""What the fact suites' scoring scripts share: the report written as JSON where asked."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def saved(report: Any, path: Path | None) -> int:
    """Write `report` to `path` as JSON (none: nothing); the script's exit status."""
    if path is not None:
        path.write_text(json.dumps(report, indent=2, default=str))
    return 0


def hand_suite_arguments(doc: str, argv: list[str] | None) -> argparse.Namespace:
    """The options of a hand-written suite's scoring script (`doc`: its docstring)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--embedder", choices=("minilm", "hash"), default="minilm")
    parser.add_argument("--database-url")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--show-failures", action="store_true")
    return parser.parse_args(argv)


def print_accuracy(by_category: dict[str, dict], unit: str) -> None:
    """One line per category, "all" last."""
    for cat, v in sorted(by_category.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        print(f"  {cat:16} {v['accuracy']:.3f} ({v['cases']} {unit})")


__all__ = ["hand_suite_arguments", "print_accuracy", "saved"]
