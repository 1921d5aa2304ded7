"""The HTTP service (FastAPI), its worker processes and the MCP server.

    from agentmem.server import create_app
    app = create_app(MemoryConfig(...), api_keys={"key1": {"alice", "bob"}})

`create_app` and the API-key helpers load FastAPI on first use, so `agentmem.server.serving`
and `agentmem.server.mcp_server` import without the `server` extra.
"""

from __future__ import annotations

from typing import Any

_APP_NAMES = ("create_app", "parse_api_keys", "resolve_api_keys")


def __getattr__(name: str) -> Any:
    if name in _APP_NAMES:
        from agentmem.server import app

        return getattr(app, name)
    raise AttributeError(f"module 'agentmem.server' has no attribute {name!r}")


__all__ = list(_APP_NAMES)
