"""The `agentmem` command: inspect and change memory, chat, serve, run the demo and benchmarks.

Every reading command takes `--json` for scripts. Errors are one readable line and a
non-zero exit code; `--debug` shows the traceback instead.

`core` holds the root command, global options, error handling and shared helpers; the command
groups register on it: `memories` (write memories), `reading` (read them), `data` (reindex,
export, import, check-conflicts, bench) and `model` (chat, serve, kv, adapters, demo).
"""

from __future__ import annotations

from agentmem.cli.core import app

# The groups register their commands on import; `--help` lists them in this order.
# isort: off
from agentmem.cli import memories, reading, data, model  # noqa: F401
# isort: on

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `agentmem` script."""
    app()
