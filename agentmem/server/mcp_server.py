"""`agentmem mcp`: memory as Model Context Protocol tools, for the one user it serves.

    agentmem mcp -u alice                          # stdio: an MCP client launches it
    agentmem mcp -u alice --transport http --port 8765   # streamable HTTP at /mcp

Every tool acts in the scope given at start (`-u`, `--agent`, `--session`); a client cannot
name another user, so one process never reads or writes another user's memory. Tool results
are the same JSON records as `agentmem ... --json` and the HTTP service.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal

from agentmem.errors import AgentMemError, MissingDependencyError
from agentmem.types import Scope

INSTRUCTIONS = (
    "Long-term memory of one user. Call `context` with the user's message before answering "
    "to get what is known; `add` what the user states about themselves; `search` for "
    "specific memories; `facts` lists what is currently true; `history` shows how a memory "
    "changed; `conflicts` and `resolve_conflict` settle contradictions."
)


def build_server(memory: Any, scope: Scope) -> Any:
    """An MCP server whose tools read and change `memory` in `scope` only."""
    from agentmem import __version__

    try:
        from mcp.server.mcpserver import MCPServer
    except ImportError as exc:
        raise MissingDependencyError(
            "agentmem mcp needs the mcp SDK (version 2 or newer); "
            "install it with: pip install 'agentmem[mcp]'"
        ) from exc

    server = MCPServer(
        "agentmem", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING"
    )
    _memory_tools(server, memory, scope)
    _review_tools(server, memory, scope)
    return server


def _tool(server: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a tool whose agentmem errors (a bad id, bad input) reach the client as the
    tool's error text, the way the CLI prints them, instead of a generic crash report."""
    from mcp.server.mcpserver.exceptions import ToolError

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except AgentMemError as exc:
                raise ToolError(str(exc)) from None

        server.tool()(run)
        return fn

    return register


def _memory_tools(server: Any, memory: Any, scope: Scope) -> None:
    @_tool(server)
    def add(text: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store one memory (a statement about the user becomes a fact; a newer value of the
        same fact supersedes the old one, which stays in its history)."""
        return memory.add(text, scope, metadata).to_dict()

    @_tool(server)
    def observe(
        content: str, role: Literal["user", "assistant", "tool", "document"] = "user"
    ) -> dict[str, Any]:
        """Log one conversation turn; facts it states are extracted into long-term memory."""
        return memory.observe(role, content, scope).to_dict()

    @_tool(server)
    def search(
        query: str,
        top_k: int = 5,
        mode: Literal["hybrid", "semantic", "fulltext"] = "hybrid",
    ) -> list[dict[str, Any]]:
        """Memories that match `query`, best first, each with a score in [0, 1]."""
        return [h.to_dict() for h in memory.search(query, scope, mode=mode, top_k=top_k)]

    @_tool(server)
    def context(query: str, max_tokens: int | None = None) -> dict[str, Any]:
        """What memory knows that bears on `query`, as chat messages ready for a prompt
        (`messages`), with the memories used and the token count."""
        ctx = memory.context(query, scope, max_tokens)
        return {
            "messages": ctx.messages,
            "memory_ids": [m.id for m in ctx.memories],
            "tokens": ctx.tokens,
        }


def _review_tools(server: Any, memory: Any, scope: Scope) -> None:
    @_tool(server)
    def facts(subject: str | None = None, attribute: str | None = None) -> list[dict[str, Any]]:
        """The facts currently true (subject / attribute / value), optionally of one subject
        ("user" is the user) or one attribute such as "lives_in"."""
        return [r.to_dict() for r in memory.facts(scope, subject=subject, attribute=attribute)]

    @_tool(server)
    def history(memory_id: str) -> list[dict[str, Any]]:
        """Every change of one memory: what it said before and after, who changed it, why."""
        return [e.to_dict() for e in memory.history(memory_id, scope)]

    @_tool(server)
    def conflicts() -> list[dict[str, Any]]:
        """Contradictions waiting for a decision, with the ids of the memories involved."""
        return [c.to_dict() for c in memory.conflicts(scope)]

    @_tool(server)
    def resolve_conflict(conflict_id: str, choice: str) -> list[dict[str, Any]]:
        """Settle a conflict: `choice` is the id of the memory to keep, or "new", "old" or
        "dismiss". Returns the changes made (each one can be undone)."""
        return [e.to_dict() for e in memory.resolve_conflict(conflict_id, choice, scope)]


def serve(
    memory: Any,
    scope: Scope,
    *,
    transport: Literal["stdio", "http"] = "stdio",
    host: str = "127.0.0.1",
    port: int = 8765,
    path: str = "/mcp",
) -> None:
    """Run the server until the client disconnects (stdio) or the process is stopped."""
    server = build_server(memory, scope)
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=host, port=port, streamable_http_path=path)


__all__ = ["INSTRUCTIONS", "build_server", "serve"]
