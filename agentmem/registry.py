"""One registry pattern for every plug-in kind (embedders, summarisers, fact extractors; KV
policies keep theirs in `agentmem.kv.policies`, the same shape).

A registry maps a name, as a config value spells it, to a factory. Names are registered
once: a second factory under a taken name is refused with an error that says how to fix the
call, and an unknown name is refused with the names that exist.

    from agentmem.consolidation import SUMMARIZERS
    SUMMARIZERS.register("bullets", lambda **kw: BulletSummarizer(kw["counter"]))
    Memory(consolidation={"summarizer": "bullets"})
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from agentmem.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named factories of one plug-in kind; `setting` is the config field that names one."""

    def __init__(self, kind: str, setting: str) -> None:
        self.kind = kind
        self.setting = setting
        self._factories: dict[str, Callable[..., T]] = {}

    def register(
        self, name: str, factory: Callable[..., T] | None = None, *, replace: bool = False
    ) -> Callable[..., T]:
        """Add `factory` under `name` (or use as a decorator: `@REGISTRY.register("name")`).
        A taken name is refused unless `replace=True`."""
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"a {self.kind} name must be a non-empty string, got {name!r}")
        if factory is None:
            return lambda f: self.register(name, f, replace=replace)  # type: ignore[return-value]
        if not callable(factory):
            raise ConfigError(
                f"{self.kind} {name!r}: the factory must be callable, got {factory!r}"
            )
        taken = self._factories.get(name)
        if taken is not None and taken is not factory and not replace:
            raise ConfigError(
                f"a {self.kind} named {name!r} is already registered ({_label(taken)}); "
                f"register yours under another name, or pass replace=True to override it"
            )
        self._factories[name] = factory
        return factory

    def check(self, name: str) -> None:
        """Refuse a name nothing is registered under (before anything is built or written)."""
        if name not in self._factories:
            raise ConfigError(
                f"{self.setting} must name a registered {self.kind} ({', '.join(self.names())}), "
                f"got {name!r}"
            )

    def create(self, name: str, **kwargs: object) -> T:
        """Build the plug-in `name` with the factory's keyword arguments."""
        self.check(name)
        return self._factories[name](**kwargs)

    def names(self) -> list[str]:
        return sorted(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories


def _label(factory: Callable[..., object]) -> str:
    return getattr(factory, "__qualname__", None) or repr(factory)


__all__ = ["Registry"]
