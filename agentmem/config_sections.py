"""The sections of MemoryConfig: one pydantic model per group of settings (search,
embedding, chroma, llm, kv, short_term, consolidation, lora, api, server, sql,
conflicts).

`agentmem.config` composes them and loads them from keyword arguments, AGENTMEM_* variables
or a TOML file; import them from there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    """A nested group of settings; a key it does not know is refused (a misspelt setting
    would otherwise leave the default in force without a word)."""

    model_config = ConfigDict(extra="forbid")


class SearchConfig(_Section):
    """How hybrid search fuses its signals."""

    fusion: Literal["zscore", "rrf", "sum"] = Field(
        "zscore", description="zscore: standardised scores, weighted; rrf: reciprocal ranks"
    )
    fulltext_weight: float = Field(
        0.6, ge=0.0, le=1.0, description="share of full text in hybrid fusion; meaning has the rest"
    )
    neighbour_weight: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="how far a memory is lifted towards its best neighbour in the same session",
    )
    neighbour_window: int = Field(
        2, ge=0, description="places before and after a memory in its session that lift it"
    )
    neighbour_decay: float = Field(
        0.75,
        gt=0.0,
        le=1.0,
        description="a neighbour's lift is multiplied by this per place beyond the next",
    )
    named_speaker_weight: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="share of relevance the turns of other speakers lose when the query "
        "names exactly one speaker of the candidates (0 turns it off)",
    )
    named_period_weight: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="share of relevance the memories said outside a period the query names "
        "('in June', 'on 3 May 2023') lose, when others were said inside it (0 turns it off)",
    )
    occasion_weight: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="share of relevance the conversation turns said on a day other than the "
        "occasion_days best days lose (0 turns it off)",
    )
    occasion_days: int = Field(
        3, gt=0, description="days (by their most relevant turn) whose turns keep full relevance"
    )
    rrf_k: int = Field(60, gt=0)
    candidates: int = Field(50, gt=0, description="results fetched from each signal before fusion")
    recency_weight: float = Field(0.0, ge=0.0, le=1.0)
    recency_half_life_days: float = Field(30.0, gt=0.0)
    importance_weight: float = Field(0.0, ge=0.0, le=1.0)


class EmbeddingConfig(_Section):
    """Which embedder turns text into vectors."""

    model: str = Field("minilm", description="'minilm' (bundled), 'hash' (tests), or a local path")
    backend: Literal["onnx", "torch"] = Field(
        "onnx", description="onnx: the model exported once to ONNX Runtime (faster on CPU)"
    )
    batch_size: int = Field(64, gt=0)
    threads: int = Field(2, gt=0, description="CPU threads of the embedder")
    dimension: int = Field(384, gt=0, description="used by the hash embedder only")


class ChromaConfig(_Section):
    """The vector index: an embedded directory, or a Chroma server when host is set."""

    path: Path | None = None
    host: str | None = None
    port: int = Field(8000, gt=0, lt=65536)
    collection: str = "agentmem_memories"
    ef_search: int = Field(
        400,
        gt=0,
        description="HNSW search breadth of new collections: at least the nearest "
        "lists asked for, so a user's results do not depend on the order the index was built "
        "in (a live index and the same index reopened answer alike)",
    )
    max_neighbors: int = Field(
        48,
        ge=4,
        description="HNSW links per vector of new collections: at Chroma's 16 a graph over "
        "near-identical sentences leaves some vectors with no link to them, so no search by "
        "meaning finds them; 48 left none in the builds measured",
    )


class LLMConfig(_Section):
    """The local language model (issue: runtime)."""

    model: str = Field("bundled", description="'bundled' (SmolLM2-135M) or a local HF directory")
    device: str = Field("auto", description="'auto' (CUDA when present), 'cpu' or 'cuda'")
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    cache_dir: Path | None = Field(None, description="dequantised weights; default <home>/models")
    max_new_tokens: int = Field(128, gt=0)
    repetition_penalty: float = Field(
        1.2, ge=1.0, le=3.0, description="chat: logits of tokens already in the reply / this"
    )


class KVConfig(_Section):
    """KV memory: the retention policy of the local model's attention cache."""

    policy: str = Field("full", description="full, streaming_llm, h2o, snapkv, tova, str or cmp")
    budget: float | int = Field(
        1.0, gt=0.0, description="a float <= 1 is a fraction of tokens seen, else a token count"
    )
    policy_params: dict[str, Any] = Field(default_factory=dict, description="policy fields")
    prefill_chunk: int = Field(1024, ge=0, description="tokens per prefill pass; 0 = all at once")
    snapshots: bool = True
    snapshot_dir: Path | None = Field(None, description="activation snapshots; default <home>/kv")
    reweave: bool | dict[str, Any] = Field(
        False,
        description="hidden-state reweaving (CMR) over the policy: True, or options such as "
        "{'layer': 15, 'recall_tokens': 64} (agentmem.kv.reweave.ReweaveOptions)",
    )


class ShortTermConfig(_Section):
    """The working context of a session."""

    max_tokens: int = Field(1024, gt=0, description="budget of the recent turns, in tokens")
    target_ratio: float = Field(
        0.5, gt=0.0, lt=1.0, description="consolidate down to this share of max_tokens"
    )
    salience_threshold: float = Field(
        0.35, ge=0.0, le=1.0, description="user turns below it are not read for facts"
    )
    max_chunk_chars: int = Field(2000, gt=0, description="longer inputs are split into episodes")
    context_tokens: int = Field(2048, ge=32, description="default max_tokens of context()")


class ConsolidationConfig(_Section):
    """How short-term overflow becomes long-term memory."""

    summarizer: str = Field(
        "extractive",
        description="a registered summariser (agentmem.consolidation.SUMMARIZERS): "
        "'extractive'; 'local' uses the local model; 'langchain' the chat model "
        "passed to Memory(chat_model=...)",
    )
    extractor: str = Field(
        "parse",
        description="a registered extractor (agentmem.facts.extraction.EXTRACTORS): 'rules'; "
        "'parse': the rules, then a dependency parse (facts of any subject; the rules alone "
        "when no English spaCy model is installed); 'llm' asks the local or LangChain model, "
        "falling back to rules",
    )
    summary_tokens: int = Field(256, gt=0, description="budget of the rolling summary")
    context_top_k: int = Field(12, gt=0, description="search hits considered by context()")
    background: bool = Field(
        True,
        description="consolidate a session's overflow on a background thread (observe "
        "returns at once; Memory.flush() waits); False: inside observe",
    )
    max_backlog: float = Field(
        16.0,
        ge=1.0,
        description="background: when a session's working context exceeds this "
        "many times short_term.max_tokens, observe waits for its pass",
    )
    idle_gap_s: float = Field(
        0.25,
        ge=0.0,
        description="background: passes wait while observe calls come less than this many "
        "seconds apart (a replay, a loop) and run in the first longer pause, or when a "
        "session reaches max_backlog (observe then waits for its pass); 0: at once",
    )


class LoRAConfig(_Section):
    """Parametric memory: LoRA adapters trained from stable facts (defaults measured on a
    2-core CPU with SmolLM2-135M; see agentmem/bench/lora.py)."""

    rank: int = Field(16, gt=0)
    alpha: int = Field(32, gt=0)
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    target_modules: list[str] = Field(
        default_factory=lambda: [
            "q_proj",
            "k_proj",
            "v_proj",
            "o_proj",
            "gate_proj",
            "up_proj",
            "down_proj",
        ]
    )
    top_layers: int | None = Field(
        10,
        gt=0,
        description="adapt only the top N transformer layers (None: all); "
        "backward then stops there, which is most of the CPU saving",
    )
    learning_rate: float = Field(2e-3, gt=0.0)
    steps: int = Field(200, gt=0, description="upper bound; training stops early at target")
    batch_size: int = Field(16, gt=0)
    seed: int = 0
    replay_batch: int = Field(2, ge=0, description="replay sequences per step (0: none)")
    kl_weight: float = Field(1.0, ge=0.0, description="KL to the base model on replay text")
    eval_every: int = Field(25, gt=0)
    eval_probes: int = Field(48, gt=0, description="held-out probes checked for early stop")
    target_recall: float = Field(1.0, gt=0.0, le=1.0, description="held-out recall to stop at")
    heldout_phrasings: int = Field(2, gt=0)
    train_phrasings: int = Field(6, gt=0)
    max_new_tokens: int = Field(20, gt=0)
    threads: int = Field(2, gt=0, description="torch CPU threads while training")
    adapter_dir: Path | None = Field(None, description="adapter files; default <home>/adapters")
    # promotion policy: which facts become parametric automatically
    promote_pinned: bool = True
    promote_min_age_days: float = Field(7.0, ge=0.0)
    promote_min_recalls: int = Field(3, ge=0)
    auto_rebuild: bool = Field(
        False, description="retrain stale adapters on Memory.refresh_adapters() (never on reads)"
    )
    combination: Literal["joint", "cat", "linear", "svd", "ties", "dare_linear"] = Field(
        "joint",
        description="user + agent adapter: 'joint' trains the agent's adapter on both "
        "fact sets (measured best); the others merge two adapters with peft",
    )


class ApiConfig(_Section):
    """The HTTP service: API keys and request limits. Keys also come from the environment
    variable AGENTMEM_API_KEYS="key1:alice,bob;key2:carol" ("*" lets a key act for anyone)."""

    keys: dict[str, list[str]] = Field(
        default_factory=dict, description="API key -> user ids it may act for"
    )
    max_body_bytes: int = Field(1_000_000, gt=0, description="larger requests get 413")
    max_new_tokens: int = Field(256, gt=0, description="cap on a chat request's max_tokens")


class ServerConfig(_Section):
    """How `agentmem serve` lays out its processes."""

    writer_process: Literal["auto", "on", "off"] = Field(
        "auto",
        description="adds and updates run in a writer process beside each worker, at lower "
        "CPU priority, so that searches do not wait behind them: 'auto' where the vector "
        "index is a Chroma server (chroma.host, or --workers above 1), 'on' always (one "
        "worker over an embedded index then serves it from a Chroma server), 'off' never",
    )


class SQLConfig(_Section):
    """Limits of read-only SQL (`Memory.sql`, `agentmem sql`); past one, the statement is
    stopped or its result refused, never cut short."""

    timeout_s: float = Field(5.0, gt=0.0, description="wall time of one statement")
    max_rows: int = Field(1000, gt=0, description="longest result, in rows")
    max_result_bytes: int = Field(
        10_000_000, gt=0, description="largest result, and largest value built, in bytes"
    )


Policy = Literal["latest_wins", "highest_confidence", "source_priority", "keep_both", "manual"]


class ConflictsConfig(_Section):
    """Conflict resolution and lifecycle: policies per attribute, vocabulary, decay and TTL."""

    default_policy: Policy = "latest_wins"
    policies: dict[str, Policy] = Field(
        default_factory=dict, description="canonical attribute -> policy"
    )
    synonyms: dict[str, str] = Field(
        default_factory=dict, description="extra phrase -> canonical attribute"
    )
    multi_valued: list[str] = Field(
        default_factory=list, description="extra attributes that accumulate values"
    )
    source_priority: list[str] = Field(
        ["user", "tool", "assistant"], description="sources, most trusted first"
    )
    similarity_threshold: float = Field(
        0.9,
        gt=0.0,
        le=1.0,
        description="kept for older configs: a merge now needs the same content words "
        "(agentmem.facts.sameness), which no similarity replaces",
    )
    judge_margin: float = Field(
        0.1, ge=0.0, le=1.0, description="below the threshold by less: ask the LLM judge"
    )
    ttl_days: dict[str, float] = Field(
        default_factory=dict, description="kind -> days until archived"
    )
    decay_half_life_days: float = Field(60.0, gt=0.0)
    archive_below: float = Field(
        0.05, ge=0.0, le=1.0, description="archive memories whose decayed strength is lower"
    )
    decay_kinds: list[str] = Field(
        ["note"], description="kinds that fade; facts stay until superseded, episodes always"
    )
