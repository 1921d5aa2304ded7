"""The expectations a conflict scenario can state, each checked through `Memory`'s public API.

Every `check_<key>(run, scope, spec)` raises `ExpectationFailed` with a message that shows
what was expected and what memory holds. Values compare in normal form ("the Paris" is
Paris); a negation is written "not Paris".
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from agentmem.errors import ValidationError
from agentmem.facts.conflicts import normalise_value
from agentmem.types import MemoryRecord, Scope, as_utc


class ExpectationFailed(AssertionError):
    """One expectation of a scenario did not hold."""


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValidationError(f"a time must be an ISO 8601 date or datetime, got {value!r}")


def fact_label(record: MemoryRecord) -> str:
    """How scenarios write a fact's value: "Paris", or "not Paris" for a negation."""
    return f"not {record.value}" if record.metadata.get("negated") else str(record.value)


def _norm(label: str) -> str:
    label = str(label).strip()
    if label.lower().startswith("not "):
        return "not " + normalise_value(label[4:])
    return normalise_value(label)


def _labels(values: Any) -> list[str]:
    if values is None:
        return []
    items = values if isinstance(values, list) else [values]
    return sorted(_norm(v) for v in items)


def _shown(records: list[MemoryRecord]) -> list[str]:
    return sorted(fact_label(r) for r in records)


def _never_valid(r: MemoryRecord) -> bool:
    return bool(r.metadata.get("rejected") or r.metadata.get("held") or r.metadata.get("undone_by"))


def check_current(run, scope: Scope, spec: dict[str, Any]) -> None:
    """{attribute: value | [values] | []}: exactly these facts are current."""
    for attribute, want in spec.items():
        current = run.memory.facts(scope, attribute=attribute)
        if sorted(_norm(fact_label(r)) for r in current) != _labels(want):
            raise ExpectationFailed(f"{attribute}: expected {want!r}, current {_shown(current)}")
        for record in current:
            hits = run.memory.search(
                record.text,
                scope,
                top_k=20,
                filters={"kind": "fact", "attribute": record.attribute},
            )
            if record.id not in {h.record.id for h in hits}:
                raise ExpectationFailed(
                    f"{attribute}: current {record.value!r} is not found by search"
                )
            if run.memory.get(record.id, scope).status != "active":
                raise ExpectationFailed(f"{attribute}: get() says {record.value!r} is not active")


def check_past(run, scope: Scope, spec: list[dict[str, Any]]) -> None:
    """[{attribute: value, valid_from?, valid_to?, status?}]: past values and their validity."""
    for item in spec:
        item = dict(item)
        bounds = {k: item.pop(k) for k in ("valid_from", "valid_to", "status") if k in item}
        ((attribute, value),) = item.items()
        versions = run.memory.facts(scope, attribute=attribute, include_history=True)
        past = [
            r
            for r in versions
            if r.status != "active" and not _never_valid(r) and _norm(fact_label(r)) == _norm(value)
        ]
        matching = [r for r in past if _bounds_match(r, bounds)]
        if not matching:
            raise ExpectationFailed(
                f"{attribute}: no past {value!r} with {bounds}; history: "
                + ", ".join(
                    f"{fact_label(r)} [{r.status} {_day(r.valid_from)}..{_day(r.valid_to)}]"
                    for r in versions
                )
            )
        record = matching[-1]
        hits = run.memory.search(
            record.text, scope, top_k=20, filters={"kind": "fact", "attribute": attribute}
        )
        if record.id in {h.record.id for h in hits}:
            raise ExpectationFailed(f"{attribute}: past {value!r} is still returned by search")


def _bounds_match(r: MemoryRecord, bounds: dict[str, Any]) -> bool:
    for key in ("valid_from", "valid_to"):
        if key in bounds:
            got = getattr(r, key)
            if bounds[key] is None:
                if got is not None:
                    return False
            elif got is None or as_utc(got) != _time(bounds[key]):
                return False
    return "status" not in bounds or r.status == bounds["status"]


def _day(t) -> str:
    return "open" if t is None else as_utc(t).isoformat()[:19]


def check_as_of(run, scope: Scope, spec: dict[Any, dict[str, Any]]) -> None:
    """{time: {attribute: value | [values] | []}}: what was valid (and known) at that time."""
    for when, expected in spec.items():
        t = _time(when)
        for attribute, want in expected.items():
            valid = run.memory.facts(scope, attribute=attribute, as_of=t)
            if sorted(_norm(fact_label(r)) for r in valid) != _labels(want):
                raise ExpectationFailed(
                    f"at {t.date()}: {attribute} expected {want!r}, got {_shown(valid)}"
                )
            for record in valid:
                hits = run.memory.search(
                    record.text, scope, as_of=t, top_k=20, filters={"kind": "fact"}
                )
                if record.id not in {h.record.id for h in hits}:
                    raise ExpectationFailed(
                        f"at {t.date()}: search(as_of=...) misses {record.value!r}"
                    )
                if run.memory.get(record.id, scope, as_of=t).id != record.id:
                    raise ExpectationFailed(f"at {t.date()}: get(as_of=...) disagrees")


def check_status(run, scope: Scope, spec: dict[str, str]) -> None:
    """{name: status}: the named memory's status now."""
    for name, want in spec.items():
        got = run.memory.get(run.id_of(name), scope).status
        if got != want:
            raise ExpectationFailed(f"{name}: expected status {want!r}, got {got!r}")


def check_events(run, scope: Scope, spec: dict[str, list[str]]) -> None:
    """{name: [ops]}: the audit events of the named memory itself, oldest first."""
    for name, want in spec.items():
        mid = run.id_of(name)
        got = [e.op for e in run.memory.history(mid, scope) if e.memory_id == mid]
        if got != list(want):
            raise ExpectationFailed(f"{name}: expected events {want}, got {got}")


def check_history(run, scope: Scope, spec: dict[str, list[str]]) -> None:
    """{name: [ops]}: the events of the whole chain the named memory belongs to."""
    for name, want in spec.items():
        got = [e.op for e in run.memory.history(run.id_of(name), scope)]
        if got != list(want):
            raise ExpectationFailed(f"{name}: expected chain history {want}, got {got}")


def check_rule(run, scope: Scope, spec: dict[str, str]) -> None:
    """{name: rule}: some event of the named memory was decided by this rule (or judge)."""
    for name, want in spec.items():
        mid = run.id_of(name)
        events = [e for e in run.memory.history(mid, scope) if e.memory_id == mid]
        rules = [e.details.get("rule") for e in events]
        if want not in rules:
            raise ExpectationFailed(f"{name}: expected rule {want!r}, events have {rules}")
        if not all(e.reason for e in events):
            raise ExpectationFailed(f"{name}: an event has no reason")


def check_conflicts(run, scope: Scope, spec: int | list[list[str]]) -> None:
    """A count of open conflicts, or the values each open conflict is about."""
    open_ = run.memory.conflicts(scope)
    if isinstance(spec, int):
        if len(open_) != spec:
            raise ExpectationFailed(
                f"expected {spec} open conflicts, got {len(open_)}: {[c.reason for c in open_]}"
            )
        return
    got = [sorted(_norm(fact_label(run.memory.get(i, scope))) for i in c.memory_ids) for c in open_]
    want = [_labels(values) for values in spec]
    if sorted(got) != sorted(want):
        raise ExpectationFailed(f"expected open conflicts about {spec}, got {got}")


def check_search(run, scope: Scope, spec: list[dict[str, Any]]) -> None:
    """[{query, top?, absent?, as_of?}]: `top` is in the best hit; `absent` in none."""
    for item in spec:
        kwargs = {"as_of": _time(item["as_of"])} if "as_of" in item else {}
        hits = run.memory.search(item["query"], scope, top_k=10, **kwargs)
        texts = [h.record.text.lower() for h in hits]
        if "top" in item and (not texts or str(item["top"]).lower() not in texts[0]):
            raise ExpectationFailed(
                f"search {item['query']!r}: expected {item['top']!r} first, got {texts[:3]}"
            )
        for word in item.get("absent", []):
            if any(str(word).lower() in t for t in texts):
                raise ExpectationFailed(
                    f"search {item['query']!r}: {word!r} should not be returned, got {texts[:5]}"
                )


def check_count(run, scope: Scope, spec: dict[str, int]) -> None:
    """{facts|memories|all: n}: how many active facts, active memories, rows of any status."""
    where = {
        "facts": "status = 'active' AND kind = 'fact'",
        "memories": "status = 'active'",
        "all": "1 = 1",
    }
    for key, want in spec.items():
        rows = run.memory.sql(f"SELECT count(*) AS n FROM memories WHERE {where[key]}", scope)
        if rows[0]["n"] != want:
            raise ExpectationFailed(f"expected {want} {key}, got {rows[0]['n']}")


def check_empty(run, scope: Scope, spec: bool) -> None:
    """true: the user has nothing left in any table, the vector index or search."""
    if not spec:
        return
    left = {
        table: run.memory.sql(f"SELECT count(*) AS n FROM {table}", scope)[0]["n"]
        for table in ("memories", "memory_events", "conflicts", "episodes")
    }
    left = {k: v for k, v in left.items() if v}
    if run.memory.long_term.index.count(scope.user_id):
        left["vectors"] = run.memory.long_term.index.count(scope.user_id)
    hits = run.memory.search("live work like name", scope, mode="hybrid")
    if hits:
        left["search hits"] = len(hits)
    if left:
        raise ExpectationFailed(f"expected nothing left of the user, found {left}")
