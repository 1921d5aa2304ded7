"""MemoryConfig: every setting, from keyword arguments, AGENTMEM_* variables or a TOML file.

Precedence: keyword arguments (and TOML values) > environment > defaults.
Nested sections use a double underscore in the environment: AGENTMEM_SEARCH__RRF_K=30.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agentmem.errors import ConfigError


class SearchConfig(BaseModel):
    """How hybrid search fuses its signals."""

    fusion: Literal["rrf", "sum"] = "rrf"
    rrf_k: int = Field(60, gt=0)
    candidates: int = Field(50, gt=0, description="results fetched from each signal before fusion")
    recency_weight: float = Field(0.0, ge=0.0, le=1.0)
    recency_half_life_days: float = Field(30.0, gt=0.0)
    importance_weight: float = Field(0.0, ge=0.0, le=1.0)


class EmbeddingConfig(BaseModel):
    """Which embedder turns text into vectors."""

    model: str = Field("minilm", description="'minilm' (bundled), 'hash' (tests), or a local path")
    batch_size: int = Field(64, gt=0)
    dimension: int = Field(384, gt=0, description="used by the hash embedder only")


class ChromaConfig(BaseModel):
    """The vector index: an embedded directory, or a Chroma server when host is set."""

    path: Path | None = None
    host: str | None = None
    port: int = Field(8000, gt=0, lt=65536)
    collection: str = "agentmem_memories"


class LLMConfig(BaseModel):
    """The local language model (issue: runtime)."""

    model: str = Field("bundled", description="'bundled' (SmolLM2-135M) or a local HF directory")
    device: str = Field("auto", description="'auto' (CUDA when present), 'cpu' or 'cuda'")
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    cache_dir: Path | None = Field(None, description="dequantised weights; default <home>/models")
    max_new_tokens: int = Field(128, gt=0)


class KVConfig(BaseModel):
    """KV memory: the retention policy of the local model's attention cache."""

    policy: str = "full"
    budget: float = Field(1.0, gt=0.0, description="fraction of tokens seen (<= 1) or a count")
    snapshots: bool = True


class ShortTermConfig(BaseModel):
    """The working context of a session."""

    max_tokens: int = Field(1024, gt=0)
    salience_threshold: float = Field(0.35, ge=0.0, le=1.0)
    max_chunk_chars: int = Field(2000, gt=0)


class LoRAConfig(BaseModel):
    """Parametric memory: LoRA adapters trained from stable facts."""

    rank: int = Field(16, gt=0)
    alpha: int = Field(32, gt=0)
    learning_rate: float = Field(1e-3, gt=0.0)
    steps: int = Field(60, gt=0)
    seed: int = 0


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
    lora: LoRAConfig = Field(default_factory=LoRAConfig)

    @field_validator("home", mode="before")
    @classmethod
    def _expand_home(cls, value: Any) -> Any:
        return Path(value).expanduser().absolute() if isinstance(value, str | Path) else value

    @model_validator(mode="after")
    def _derive_paths(self) -> MemoryConfig:
        if self.database_url is None:
            self.database_url = f"sqlite:///{(self.home / 'agentmem.db').resolve()}"
        if self.chroma.path is None and self.chroma.host is None:
            self.chroma.path = self.home / "chroma"
        if self.llm.cache_dir is None:
            self.llm.cache_dir = self.home / "models"
        return self

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
            raise ConfigError(f"config file {str(path)!r} does not exist; pass the path of a TOML file")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
        data = data.get("agentmem", data)
        if "home" in data and not Path(data["home"]).is_absolute():
            data["home"] = str(path.parent / data["home"])
        return cls.create(**data)

    @property
    def is_sqlite(self) -> bool:
        return str(self.database_url).startswith("sqlite")


def _describe(exc: pydantic.ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "config"
        parts.append(f"{where}: {err['msg']}, got {err.get('input')!r}")
    return "invalid configuration: " + "; ".join(parts)
