"""One exception tree for agentmem.

    AgentMemError                 every error agentmem raises on purpose
    ├── ConfigError               a setting is invalid or missing
    ├── ValidationError           bad input to a public call (also a ValueError)
    │   └── ScopeError            missing or malformed scope (user_id is required)
    ├── NotFoundError             no such record in the caller's scope (also a KeyError)
    ├── ConflictStateError        an operation does not fit the record's state
    ├── QueryRefusedError         a read-only SQL statement was refused
    │   └── QueryTimeoutError     ... because it ran past sql.timeout_s (stopped on the server)
    ├── StoreError                a storage backend failed (SQL or vector index)
    │   └── IndexDamagedError     a user's vector collection is unreadable (rebuilt from SQL)
    ├── ModelError                a model could not be loaded or run
    │   └── FingerprintMismatch   a file belongs to another model
    └── MissingDependencyError    an optional extra is not installed

Every message names the bad value and says how to fix the call.
"""

from __future__ import annotations


class AgentMemError(Exception):
    """Root of every error agentmem raises on purpose."""


class ConfigError(AgentMemError):
    """A configuration value is invalid or missing."""


class ValidationError(AgentMemError, ValueError):
    """A public call received bad input; nothing was written."""


class ScopeError(ValidationError):
    """The scope is missing or malformed (user_id is required)."""


class NotFoundError(AgentMemError, KeyError):
    """No record with that id exists in the caller's scope."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ConflictStateError(AgentMemError):
    """The operation does not fit the current state of the record or conflict."""


class QueryRefusedError(ValidationError):
    """A statement given to `Memory.sql` was refused (not a single read-only SELECT)."""


class QueryTimeoutError(QueryRefusedError):
    """A read-only SQL statement ran past its time limit and was stopped."""


class StoreError(AgentMemError):
    """A storage backend (SQL database or vector index) failed."""


class IndexDamagedError(StoreError):
    """A user's vector collection could not be read or written: its files are damaged
    (a process killed while the index persisted). SQL holds the truth; agentmem rebuilds
    the collection from it."""

    def __init__(self, user_id: str, cause: str) -> None:
        super().__init__(
            f"the vector index of user {user_id!r} is damaged ({cause}); "
            "it is rebuilt from SQL (or run `agentmem reindex`)"
        )
        self.user_id = user_id


class ModelError(AgentMemError):
    """A model could not be loaded or run."""


class FingerprintMismatch(ModelError):
    """A saved file (KV snapshot, adapter) belongs to another base model."""


class MissingDependencyError(AgentMemError, ImportError):
    """An optional dependency is not installed; the message names the extra."""


def require(module: str, extra: str):
    """Import an optional dependency or raise a MissingDependencyError naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{module} is not installed; install it with: pip install 'agentmem[{extra}]'"
        ) from exc
