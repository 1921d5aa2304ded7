"""The adapter registry: a SQL row per adapter version, and its files on disk.

Files live under `<lora.adapter_dir>/<user key>/<adapter id>/` (default `<home>/adapters`):
peft's `adapter_model.safetensors` and `adapter_config.json`, plus `agentmem.json` (scope,
base-model fingerprint, fact ids and a SHA-256 of every file). A directory is written under a
temporary name and renamed into place, so a reader sees a whole adapter or none; a truncated
or altered file fails its checksum and is refused, as is an adapter trained for another base
model.

Per (user, agent) scope one version is current ("active", or "stale" once one of its facts
changed); older versions are "inactive" and can be rolled back to.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from agentmem.errors import FingerprintMismatch, ModelError, NotFoundError
from agentmem.files import sha256_file
from agentmem.stores.schema import adapters
from agentmem.types import AdapterInfo, Scope

MANIFEST = "agentmem.json"
WEIGHTS = "adapter_model.safetensors"
CURRENT = ("active", "stale")
SIGNED = ("adapter_config.json", WEIGHTS)  # every file peft loads must carry a checksum


def user_key(user_id: str) -> str:
    """A directory name for a user that no user id can escape from."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:24]


class AdapterRegistry:
    """Adapter rows in SQL (the truth about versions) and adapter files under `root`."""

    def __init__(self, engine: Engine, root: Path) -> None:
        self.engine = engine
        self.root = Path(root)

    # --- files ----------------------------------------------------------------------
    def directory(self, user_id: str, adapter_id: str) -> Path:
        return self.root / user_key(user_id) / adapter_id

    def write_files(self, source: Path, info: AdapterInfo) -> Path:
        """Move a saved peft adapter directory into place with its manifest (atomic)."""
        target = self.directory(info.scope.user_id, info.id)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{info.id}.", dir=target.parent))
        try:
            for name in SIGNED:
                shutil.copyfile(source / name, tmp / name)
            manifest = {
                "id": info.id,
                "scope": info.scope.to_dict(),
                "version": info.version,
                "base_fingerprint": info.base_fingerprint,
                "fact_ids": info.fact_ids,
                "sha256": {n: sha256_file(tmp / n) for n in SIGNED},
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            for path in tmp.iterdir():
                _fsync(path)
            os.rename(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return target

    def verify(self, info: AdapterInfo, fingerprint: str) -> Path:
        """The adapter's directory, after checking base model, scope and checksums."""
        path = Path(info.path)
        if info.base_fingerprint != fingerprint:
            raise FingerprintMismatch(
                f"adapter {info.id} (v{info.version}) was trained for base model "
                f"{info.base_fingerprint}, not the loaded {fingerprint}; retrain it with "
                "Memory.train_adapter(scope) or load the model it was made for"
            )
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"adapter {info.id} has no readable manifest at {path}: {exc}; "
                "roll back to another version or retrain"
            ) from None
        if manifest.get("base_fingerprint") != fingerprint:
            raise FingerprintMismatch(
                f"adapter files at {path} belong to base model "
                f"{manifest.get('base_fingerprint')}, not {fingerprint}"
            )
        if manifest.get("scope", {}).get("user_id") != info.scope.user_id:
            raise ModelError(f"adapter files at {path} belong to another scope; refusing them")
        sums = manifest.get("sha256")
        if not isinstance(sums, dict) or any(not isinstance(sums.get(n), str) for n in SIGNED):
            raise ModelError(
                f"adapter {info.id} at {path} has no SHA-256 checksum of "
                f"{' and '.join(SIGNED)} in {MANIFEST}, so its weights cannot be trusted; "
                "refusing it. Retrain with Memory.train_adapter(scope) or roll back"
            )
        for name, digest in sums.items():
            if not (path / name).is_file() or sha256_file(path / name) != digest:
                raise ModelError(
                    f"adapter file {path / name} is missing, truncated or corrupt "
                    "(checksum mismatch); roll back or retrain the adapter"
                )
        return path

    # --- rows -----------------------------------------------------------------------
    def add(self, info: AdapterInfo) -> AdapterInfo:
        """Register a new version and make it the scope's current adapter."""
        with self.engine.begin() as conn:
            conn.execute(
                update(adapters)
                .where(*_slot(info.scope), adapters.c.status.in_(CURRENT))
                .values(status="inactive")
            )
            conn.execute(adapters.insert().values(**_row(info)))
        return info

    def next_version(self, scope: Scope) -> int:
        with self.engine.begin() as conn:
            top = conn.execute(select(func.max(adapters.c.version)).where(*_slot(scope))).scalar()
        return int(top or 0) + 1

    def list(self, scope: Scope, *, all_agents: bool = False) -> list[AdapterInfo]:
        """The adapters of the scope (user-level, and the agent's when the scope has one),
        newest first. `all_agents` lists every adapter of the user."""
        c = adapters.c
        stmt = select(adapters).where(c.user_id == scope.user_id)
        if not all_agents:
            agents = [c.agent_id.is_(None)]
            if scope.agent_id is not None:
                agents.append(c.agent_id == scope.agent_id)
            from sqlalchemy import or_

            stmt = stmt.where(or_(*agents))
        with self.engine.begin() as conn:
            rows = conn.execute(stmt.order_by(c.agent_id, c.version.desc())).all()
        return [_info(r) for r in rows]

    def get(self, adapter_id: str, scope: Scope) -> AdapterInfo:
        with self.engine.begin() as conn:
            row = conn.execute(
                select(adapters).where(
                    adapters.c.id == adapter_id, adapters.c.user_id == scope.user_id
                )
            ).first()
        if row is None:
            raise NotFoundError(
                f"no adapter {adapter_id!r} for user {scope.user_id!r}; "
                "list them with Memory.adapters(scope)"
            )
        return _info(row)

    def current(self, scope: Scope) -> AdapterInfo | None:
        """The adapter in use for exactly this (user, agent) slot, if any."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(adapters)
                .where(*_slot(scope), adapters.c.status.in_(CURRENT))
                .order_by(adapters.c.version.desc())
            ).first()
        return None if row is None else _info(row)

    def set_status(self, adapter_id: str, scope: Scope, status: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(adapters)
                .where(adapters.c.id == adapter_id, adapters.c.user_id == scope.user_id)
                .values(status=status)
            )

    def rollback(self, scope: Scope, version: int | None = None) -> AdapterInfo:
        """Make an earlier version current (default: the one before the current one)."""
        versions = [a for a in self.list(scope) if a.scope.agent_id == scope.agent_id]
        now = next((a for a in versions if a.status in CURRENT), None)
        if version is None:
            older = [a for a in versions if now is None or a.version < now.version]
            if not older:
                raise NotFoundError(
                    f"no earlier adapter version to roll back to for user {scope.user_id!r}"
                )
            target = older[0]
        else:
            target = next((a for a in versions if a.version == version), None)
            if target is None:
                raise NotFoundError(
                    f"no adapter version {version} for user {scope.user_id!r}; "
                    f"versions: {[a.version for a in versions]}"
                )
        with self.engine.begin() as conn:
            conn.execute(
                update(adapters)
                .where(*_slot(scope), adapters.c.status.in_(CURRENT))
                .values(status="inactive")
            )
            conn.execute(update(adapters).where(adapters.c.id == target.id).values(status="active"))
        return self.get(target.id, scope)

    def purge(self, user_id: str) -> int:
        """Delete every adapter row and file of a user; returns the number of rows."""
        with self.engine.begin() as conn:
            n = conn.execute(adapters.delete().where(adapters.c.user_id == user_id)).rowcount
        shutil.rmtree(self.root / user_key(user_id), ignore_errors=True)
        return int(n or 0)


def purge_user(target: Any, user_id: str) -> int:
    """Remove every adapter of `user_id`, rows and files, and unload it from a live model.

    `target` is a `Memory`, an `AdapterRegistry`, or a tuple `(engine, adapter_dir)` where
    `adapter_dir` is the folder of adapter files (`config.lora.adapter_dir`). Returns the
    number of adapter rows deleted. Called by `Memory.purge`.
    """
    if isinstance(target, AdapterRegistry):
        return target.purge(user_id)
    if isinstance(target, tuple):
        engine, adapter_dir = target
        return AdapterRegistry(engine, Path(adapter_dir)).purge(user_id)
    live = getattr(target, "_parametric", None)
    if live is not None:
        return live.purge(user_id)
    return AdapterRegistry(target.long_term.engine, target.config.lora.adapter_dir).purge(user_id)


def _slot(scope: Scope) -> list[Any]:
    c = adapters.c
    agent = c.agent_id.is_(None) if scope.agent_id is None else c.agent_id == scope.agent_id
    return [c.user_id == scope.user_id, agent]


def _row(info: AdapterInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "user_id": info.scope.user_id,
        "agent_id": info.scope.agent_id,
        "session_id": None,
        "version": info.version,
        "status": info.status,
        "base_fingerprint": info.base_fingerprint,
        "fact_ids": info.fact_ids,
        "config": info.config,
        "metrics": info.metrics,
        "path": info.path,
        "created_at": info.created_at,
    }


def _info(row: Any) -> AdapterInfo:
    return AdapterInfo(
        id=row.id,
        scope=Scope(user_id=row.user_id, agent_id=row.agent_id),
        version=row.version,
        base_fingerprint=row.base_fingerprint,
        fact_ids=dict(row.fact_ids or {}),
        path=row.path,
        created_at=row.created_at,
        status=row.status,
        config=dict(row.config or {}),
        metrics=dict(row.metrics or {}),
    )


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
