"""Activation memory: the KV cache of a prefix (system preamble + core memories), saved once and
reused while the prefix text is unchanged.

A snapshot is two files: ``<name>.safetensors`` (per layer ``k.<i>`` / ``v.<i>``
``(1, kv_heads, n, head_dim)``, plus ``last_logits``) and ``<name>.json`` with the metadata:
model fingerprint, tokenizer hash, text hash, dtype, token count, the safetensors file's size
and sha256. Both are written to a temporary file and renamed into place, JSON last, so a
reader never sees half a snapshot; a truncated or altered file is refused (`ModelError`) and a
snapshot of another model is refused (`FingerprintMismatch`).

Layout: ``<root>/<user-key>/<agent-key>/<text-hash>.{safetensors,json}`` where ``root`` is
``config.kv.snapshot_dir`` (default ``<home>/kv``) and the keys are hashes of the ids, so one
user's snapshot can never be found through another user's scope. ``purge_user`` deletes a
user's directory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import torch

from agentmem.errors import FingerprintMismatch, ModelError, ScopeError
from agentmem.files import sha256_file

if TYPE_CHECKING:
    from agentmem.config import MemoryConfig
    from agentmem.kv.cache import ManagedCache


# What snapshots need of the model runtime (agentmem.llm's LocalLLM and Session provide it);
# the KV layer does not import the runtime, which imports this module.
class SnapshotModel(Protocol):
    fingerprint: str
    tokenizer_hash: str
    device: Any

    def session(self, policy: Any = None, budget: Any = None) -> SnapshotSession: ...


class SnapshotSession(Protocol):
    llm: SnapshotModel
    cache: ManagedCache
    last_logits: torch.Tensor
    _last_logits: torch.Tensor | None

    def feed(self, text: str) -> Any: ...

    @property
    def policy(self) -> Any: ...


FORMAT = 1

log = logging.getLogger(__name__)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _key(value: str | None) -> str:
    return "_" if value is None else hashlib.sha256(value.encode("utf-8")).hexdigest()[:24]


def user_dir(root: str | Path, user_id: str) -> Path:
    """The directory of one user's snapshots (a hash of the id: no path tricks, no leaks)."""
    if not isinstance(user_id, str) or not user_id:
        raise ScopeError(f"user_id must be a non-empty string, got {user_id!r}")
    return Path(root) / _key(user_id)


def purge_user(root: str | Path, user_id: str) -> int:
    """Delete every snapshot of ``user_id`` under ``root`` (``config.kv.snapshot_dir``);
    returns the number of files removed."""
    folder = user_dir(root, user_id)
    count = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
    shutil.rmtree(folder, ignore_errors=True)
    return count


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save_snapshot(
    session: SnapshotSession, path: str | Path, text: str, **labels: Any
) -> dict[str, Any]:
    """Save the session's cache (the KV of ``text``, nothing evicted) to ``path`` (.safetensors).

    ``labels`` (e.g. ``user_id``) are stored in the metadata for inspection only.
    """
    from safetensors.torch import save_file

    cache = session.cache
    if any(st.length != cache.tokens_seen for st in cache.states) or not cache.states:
        raise ModelError(
            "a snapshot needs the full KV of its prefix: feed the prefix into a session with "
            "policy='full' (or a budget >= its length) before saving"
        )
    path = Path(path).with_suffix(".safetensors")
    tensors = {}
    for st in cache.states:
        tensors[f"k.{st.index}"] = st.keys.detach().contiguous().cpu()
        tensors[f"v.{st.index}"] = st.values.detach().contiguous().cpu()
    tensors["last_logits"] = session.last_logits.detach().contiguous().cpu()
    _atomic_write(path, lambda tmp: save_file(tensors, tmp))
    llm = session.llm
    meta = {
        "format": FORMAT,
        "fingerprint": llm.fingerprint,
        "tokenizer_hash": llm.tokenizer_hash,
        "text_hash": text_hash(text),
        "tokens": cache.tokens_seen,
        "positions": [0, cache.tokens_seen],
        "dtype": str(cache.states[0].keys.dtype).removeprefix("torch."),
        "layers": len(cache.states),
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "created_at": datetime.now(UTC).isoformat(),
        **labels,
    }
    meta_path = path.with_suffix(".json")
    _atomic_write(meta_path, lambda tmp: Path(tmp).write_text(json.dumps(meta), encoding="utf-8"))
    return meta


def read_metadata(path: str | Path) -> dict[str, Any]:
    meta_path = Path(path).with_suffix(".json")
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"no snapshot metadata at {meta_path}") from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"snapshot metadata {meta_path} is corrupt ({exc}); delete it") from None


def load_snapshot(
    llm: SnapshotModel, path: str | Path, text: str | None = None, policy=None, budget=None
) -> SnapshotSession:
    """A new session whose cache holds the snapshot; ``policy``/``budget`` govern what follows.

    Refuses a snapshot of another model or tokenizer (`FingerprintMismatch`), of another text
    (when ``text`` is given) and a truncated or altered file (`ModelError`).
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path).with_suffix(".safetensors")
    meta = read_metadata(path)
    if (
        meta.get("fingerprint") != llm.fingerprint
        or meta.get("tokenizer_hash") != llm.tokenizer_hash
    ):
        raise FingerprintMismatch(
            f"snapshot {path.name} belongs to model {meta.get('fingerprint')!r}, not the loaded "
            f"model {llm.fingerprint!r}; delete it or load the model it was made with"
        )
    if text is not None and meta.get("text_hash") != text_hash(text):
        raise ModelError(f"snapshot {path.name} was made from another prefix text; recompute it")
    if (
        not path.is_file()
        or path.stat().st_size != meta.get("bytes")
        or sha256_file(path) != meta.get("sha256")
    ):
        raise ModelError(f"snapshot {path} is truncated or altered; delete it and recompute")
    try:
        tensors = load_file(str(path), device=str(llm.device))
    except (SafetensorError, OSError) as exc:
        raise ModelError(
            f"snapshot {path} cannot be read ({exc}); delete it and recompute"
        ) from None
    session = llm.session(policy, budget)
    _restore(session, tensors, meta["tokens"])
    return session


def _restore(session: SnapshotSession, tensors: dict[str, torch.Tensor], tokens: int) -> None:
    cache = session.cache
    layers = sum(1 for name in tensors if name.startswith("k."))
    if layers != cache.num_layers:
        raise FingerprintMismatch(f"snapshot has {layers} layers, the model {cache.num_layers}")
    positions = torch.arange(tokens)
    cache.begin(tokens, positions.device)
    for i in range(layers):
        cache.dynamic.update(tensors[f"k.{i}"], tensors[f"v.{i}"], i)
        cache.state(i)
    cache.tokens_seen = tokens
    cache._pending = None
    session._last_logits = tensors["last_logits"].float()


class SnapshotStore:
    """Per-scope snapshots of prefixes under ``root`` (``config.kv.snapshot_dir``)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @classmethod
    def for_config(cls, config: MemoryConfig) -> SnapshotStore:
        return cls(config.kv.snapshot_dir)

    def path_for(self, user_id: str, agent_id: str | None, text: str) -> Path:
        return user_dir(self.root, user_id) / _key(agent_id) / f"{text_hash(text)}.safetensors"

    def session(
        self,
        llm: SnapshotModel,
        user_id: str,
        agent_id: str | None,
        prefix: str,
        *,
        policy=None,
        budget=None,
    ) -> tuple[SnapshotSession, bool]:
        """A session that starts with the KV of ``prefix``: loaded when a valid snapshot exists
        (returns ``hit=True``), else computed, saved (replacing the scope's older ones) and
        returned. A stale or corrupt snapshot is recomputed; another model's is replaced."""
        path = self.path_for(user_id, agent_id, prefix)
        if path.with_suffix(".json").is_file():
            try:
                return load_snapshot(llm, path, prefix, policy, budget), True
            except ModelError as exc:  # another model, truncated or stale: recompute below
                log.warning("activation snapshot %s not reused (%s); recomputing", path, exc)
        session = llm.session("full", 1.0)
        session.feed(prefix)
        for old in path.parent.glob("*.json"):
            old.unlink(missing_ok=True)
            old.with_suffix(".safetensors").unlink(missing_ok=True)
        save_snapshot(session, path, prefix, user_id=user_id, agent_id=agent_id)
        target = llm.session(policy, budget)  # what governs the tokens after the prefix
        session.cache.policy, session.cache.budget = target.policy, target.cache.budget
        return session, False
