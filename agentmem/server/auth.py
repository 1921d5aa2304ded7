"""API keys: which users a bearer key may act for.

A key maps to user ids (`"*"`: any user). Asking for another user's data is 403; an id from
another user's scope is 404, exactly like an id that does not exist (the memory answers it).
"""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agentmem.config import MemoryConfig
from agentmem.errors import ConfigError

ENV_KEYS = "AGENTMEM_API_KEYS"
ANY_USER = "*"
ApiKeys = dict[str, set[str]]


def parse_api_keys(text: str) -> ApiKeys:
    """`"key1:alice,bob;key2:carol"` -> {"key1": {"alice", "bob"}, "key2": {"carol"}}."""
    keys: ApiKeys = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, users = part.partition(":")
        names = {u.strip() for u in users.split(",") if u.strip()}
        if not sep or not key.strip() or not names:
            raise ConfigError(f"API keys are 'key:user1,user2;key2:user3', got {part!r}")
        keys.setdefault(key.strip(), set()).update(names)
    return keys


def resolve_api_keys(config: MemoryConfig, api_keys: ApiKeys | str | None) -> ApiKeys:
    """Keys given to create_app, else the config's `api.keys` plus AGENTMEM_API_KEYS."""
    if isinstance(api_keys, str):
        return parse_api_keys(api_keys)
    if api_keys is not None:
        return {k: set(v) for k, v in api_keys.items()}
    keys = {k: set(v) for k, v in config.api.keys.items()}
    for key, users in parse_api_keys(os.environ.get(ENV_KEYS, "")).items():
        keys.setdefault(key, set()).update(users)
    return keys


_BEARER = HTTPBearer(auto_error=False, description="an API key; it acts for the users it maps to")


async def allowed_users(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None,
) -> set[str]:
    """The users the bearer key of this request may act for (401 without a known key).
    The key is declared as the spec's bearer security scheme. Async: a dict lookup,
    answered on the event loop rather than a thread of its own."""
    token = credentials.credentials if credentials is not None else ""
    if not token.strip():
        raise HTTPException(
            401,
            "send the API key as 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    users = request.app.state.api_keys.get(token.strip())
    if users is None:
        raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "Bearer"})
    return users


Caller = Annotated[set[str], Depends(allowed_users)]


def check_user(users: set[str], user_id: str) -> None:
    if ANY_USER not in users and user_id not in users:
        raise HTTPException(403, f"this API key may not act for user {user_id!r}")


__all__ = [
    "ANY_USER",
    "ApiKeys",
    "Caller",
    "allowed_users",
    "check_user",
    "parse_api_keys",
    "resolve_api_keys",
]
