"""What the fact suites' scoring scripts share: the report written as JSON where asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def saved(report: Any, path: Path | None) -> int:
    """Write `report` to `path` as JSON (none: nothing); the script's exit status."""
    if path is not None:
        path.write_text(json.dumps(report, indent=2, default=str))
    return 0


__all__ = ["saved"]
