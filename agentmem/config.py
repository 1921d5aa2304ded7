"""MemoryConfig: every setting, from keyword arguments, AGENTMEM_* variables or a TOML file.

Precedence: keyword arguments (and TOML values) > environment > defaults.
Nested sections use a double underscore in the environment: AGENTMEM_SEARCH__RRF_K=30.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agentmem.config_sections import (  # noqa: F401 - re-exported: import sections from here
    ApiConfig,
    ChromaConfig,
    ConflictsConfig,
    ConsolidationConfig,
    EmbeddingConfig,
    KVConfig,
    LLMConfig,
    LoRAConfig,
    SearchConfig,
    ServerConfig,
    ShortTermConfig,
    SQLConfig,
)
from agentmem.errors import ConfigError


class MemoryConfig(BaseSettings):
    """All of agentmem's settings. See the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix="AGENTMEM_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    home: Path = Field(default_factory=lambda: Path(os.environ.get("AGENTMEM_HOME", ".agentmem")))
    database_url: str | None = None
    max_text_chars: int = Field(20_000, gt=0)
    embedding: EmbeddingConfig = Field(default_factory=EmbeddingConfig)
    chroma: ChromaConfig = Field(default_factory=ChromaConfig)
    search: SearchConfig = Field(default_factory=SearchConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    kv: KVConfig = Field(default_factory=KVConfig)
    short_term: ShortTermConfig = Field(default_factory=ShortTermConfig)
    consolidation: ConsolidationConfig = Field(default_factory=ConsolidationConfig)
    lora: LoRAConfig = Field(default_factory=LoRAConfig)
    conflicts: ConflictsConfig = Field(default_factory=ConflictsConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    sql: SQLConfig = Field(default_factory=SQLConfig)

    @field_validator("home", mode="before")
    @classmethod
    def _expand_home(cls, value: Any) -> Any:
        return Path(value).expanduser().absolute() if isinstance(value, str | Path) else value

    @model_validator(mode="after")
    def _derive_paths(self) -> MemoryConfig:
        derived = []
        if self.database_url is None:
            self.database_url = f"sqlite:///{(self.home / 'agentmem.db').resolve()}"
            derived.append(("", "database_url"))
        if self.chroma.path is None and self.chroma.host is None:
            self.chroma.path = self.home / "chroma"
            derived.append(("chroma", "path"))
        for section, key, default in _HOME_PATHS:
            if getattr(getattr(self, section), key) is None:
                setattr(getattr(self, section), key, self.home / default)
                derived.append((section, key))
        object.__setattr__(self, "_derived_paths", tuple(derived))  # not a setting
        return self

    def with_overrides(self, **overrides: Any) -> MemoryConfig:
        """This config with `overrides` applied; the paths it derived from its home are
        derived again (a new `home` moves them too, unless they were set explicitly)."""
        data = self.model_dump()
        for section, key in getattr(self, "_derived_paths", ()):
            (data[section] if section else data)[key] = None
        return MemoryConfig.create(**{**data, **overrides})

    @classmethod
    def create(cls, **kwargs: Any) -> MemoryConfig:
        """Build a config, turning pydantic's errors into one readable ConfigError."""
        try:
            return cls(**kwargs)
        except pydantic.ValidationError as exc:
            raise ConfigError(_describe(exc)) from None

    @classmethod
    def from_toml(cls, path: str | Path) -> MemoryConfig:
        """Read a TOML file; its keys are the field names, sections the nested groups."""
        path = Path(path)
        if not path.is_file():
            raise ConfigError(
                f"config file {str(path)!r} does not exist; pass the path of a TOML file"
            )
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
        data = data.get("agentmem", data)
        if "home" in data and not Path(data["home"]).is_absolute():
            data["home"] = str(path.parent / data["home"])
        return cls.create(**data)

    @property
    def last_chat_path(self) -> Path:
        """The record of the last chat's KV statistics (`agentmem kv last`)."""
        return Path(self.kv.snapshot_dir) / "last_chat.json"

    @property
    def reweave_dir(self) -> Path:
        """Reweaving's ridge maps, one safetensors file per model fingerprint."""
        return Path(self.kv.snapshot_dir) / "reweave"

    @property
    def is_sqlite(self) -> bool:
        return str(self.database_url).startswith("sqlite")


# (section, setting, folder under the home) of every path that defaults into the home
_HOME_PATHS = (
    ("llm", "cache_dir", "models"),
    ("kv", "snapshot_dir", "kv"),
    ("lora", "adapter_dir", "adapters"),
)


def _describe(exc: pydantic.ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "config"
        if err["type"] == "extra_forbidden":
            parts.append(f"{where}: unknown setting; {_known_near(err['loc'])}")
        else:
            parts.append(f"{where}: {err['msg']}, got {err.get('input')!r}")
    return "invalid configuration: " + "; ".join(parts)


def _known_near(loc: tuple) -> str:
    """The fix for an unknown key: the setting it most resembles, or the section's keys."""
    model: type[BaseModel] = MemoryConfig
    for part in loc[:-1]:
        annotation = model.model_fields[str(part)].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    known = sorted(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "known settings here: " + ", ".join(known)
