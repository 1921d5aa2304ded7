"""The HTTP service (FastAPI), its worker processes and the MCP server.

    from agentmem.server import create_app
    app = create_app(MemoryConfig(...), api_keys={"key1": {"alice", "bob"}})

`create_app` and the API-key helpers load FastAPI on first use, so `agentmem.server.serving`
and `agentmem.server.mcp_server` import without the `server` extra.
"""

from __future__ import annotations

from typing import Any

_HOMES = {"create_app": "app", "parse_api_keys": "auth", "resolve_api_keys": "auth"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'agentmem.server' has no attribute {name!r}")
    if _HOMES[name] == "app":
        from agentmem.server import app as home
    else:
        from agentmem.server import auth as home
    return getattr(home, name)


__all__ = list(_HOMES)
