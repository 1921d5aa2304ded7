"""Conflict-resolution scenarios: timed statements and what memory must hold afterwards.

A scenario file (YAML) holds one scenario, or several under `scenarios:`. Each runs through
the public API of `Memory` (add/observe, then facts/get/search/history), so a user can check
that agentmem resolves *their* cases as they expect: `agentmem check-conflicts FILE...`.

    name: a move supersedes the old city
    config: {policies: {lives_in: latest_wins}}      # optional ConflictsConfig overrides
    steps:
      - {say: "I live in Berlin", at: 2024-01-01, as: berlin}
      - {say: "I moved to Paris", at: 2024-06-01}
      - expect:
          current: {lives_in: Paris}                  # a list for several, "not X" a negation
          past: [{lives_in: Berlin, valid_to: 2024-06-01}]
          as_of: {2024-03-01: {lives_in: Berlin}}
          events: {berlin: [ADD, SUPERSEDE]}
          conflicts: 0

Step keys: say/add (text; with user, agent, at, valid_from, source, kind, fact, metadata,
as), observe, update, delete, restore, resolve_conflict, sweep, purge, and `error:` (the
exception class a step must raise). Expectation keys: current, past, as_of, status,
events, history, rule, conflicts, search, count, empty (`scenario_checks.py` documents
each).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentmem import scenario_checks
from agentmem.config import ConflictsConfig
from agentmem.errors import AgentMemError, ValidationError
from agentmem.scenario_checks import ExpectationFailed, _time, fact_label  # noqa: F401 (re-exported)
from agentmem.types import Scope

STEP_KINDS = (
    "say",
    "add",
    "observe",
    "update",
    "delete",
    "restore",
    "resolve_conflict",
    "sweep",
    "purge",
    "expect",
)


@dataclass
class Scenario:
    name: str
    steps: list[dict[str, Any]]
    config: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""


@dataclass
class ScenarioResult:
    name: str
    source: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Report:
    results: list[ScenarioResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return self.failed == 0 and bool(self.results)

    def render(self) -> str:
        lines = []
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"{mark}  {r.name}  ({r.source}, {r.seconds * 1000:.0f} ms)")
            lines += [f"      - {f}" for f in r.failures]
        lines.append(f"{self.passed}/{len(self.results)} scenarios passed")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "results": [r.__dict__ for r in self.results],
        }


# --- loading ------------------------------------------------------------------------
def load(path: str | Path) -> list[Scenario]:
    """The scenarios of one YAML file; a ValidationError names what is malformed."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        where = " ".join(str(exc).split())  # YAML's multi-line report, on one line
        raise ValidationError(f"cannot read scenario file {str(path)!r}: {where}") from None
    items = data.get("scenarios") if isinstance(data, dict) and "scenarios" in data else [data]
    if not isinstance(items, list) or not items:
        raise ValidationError(f"{path}: expected a scenario mapping or a 'scenarios:' list")
    return [
        _scenario(item, f"{path.name}#{i + 1}" if len(items) > 1 else path.name)
        for i, item in enumerate(items)
    ]


def _scenario(item: Any, source: str) -> Scenario:
    if not isinstance(item, dict) or not isinstance(item.get("steps"), list):
        raise ValidationError(f"{source}: a scenario needs 'name' and a list of 'steps'")
    unknown = sorted(set(item) - {"name", "description", "steps", "config"})
    if unknown:  # a misplaced key (an 'expect' beside 'steps') would silently check nothing
        raise ValidationError(
            f"{source}: unknown scenario keys {unknown}; a scenario has name, description, "
            "config and steps (expectations are 'expect' steps)"
        )
    for step in item["steps"]:
        kinds = [k for k in STEP_KINDS if isinstance(step, dict) and k in step]
        if len(kinds) != 1:
            raise ValidationError(
                f"{source}: each step needs exactly one of {STEP_KINDS}, got {step!r:.100}"
            )
    config = item.get("config") or {}
    ConflictsConfig(**config)  # fail on a bad config before running anything
    return Scenario(
        name=str(item.get("name", source)),
        steps=item["steps"],
        config=config,
        description=str(item.get("description", "")),
        source=source,
    )


# --- running ------------------------------------------------------------------------
class _Run:
    """The state of one scenario: its memory, named records and namespaced users."""

    def __init__(self, memory: Any, scenario: Scenario, namespace: str) -> None:
        self.memory, self.scenario, self.namespace = memory, scenario, namespace
        self.names: dict[str, str] = {}

    def scope(self, step: dict[str, Any]) -> Scope:
        user = f"{self.namespace}{step.get('user', 'alice')}"
        return Scope(user_id=user, agent_id=step.get("agent"))

    def id_of(self, name: str) -> str:
        if name not in self.names:
            raise ExpectationFailed(f"no memory named {name!r} (name one with 'as:')")
        return self.names[name]

    def step(self, step: dict[str, Any]) -> None:
        kind = next(k for k in STEP_KINDS if k in step)
        expected_error = step.get("error")
        try:
            getattr(self, f"_{kind}")(step)
        except ExpectationFailed:
            raise
        except AgentMemError as exc:
            if expected_error != type(exc).__name__:
                raise ExpectationFailed(
                    f"{kind} {step[kind]!r:.60} raised {type(exc).__name__}: {exc}"
                ) from exc
            return
        if expected_error:
            raise ExpectationFailed(f"{kind} {step[kind]!r:.60} should raise {expected_error}")

    def _say(self, step: dict[str, Any]) -> None:
        fact = step.get("fact")
        if fact is not None:
            fact = {
                **fact,
                **({"valid_from": _time(fact["valid_from"])} if "valid_from" in fact else {}),
            }
        record = self.memory.add(
            step.get("say", step.get("add")),
            self.scope(step),
            step.get("metadata"),
            kind=step.get("kind", "note"),
            source=step.get("source", "user"),
            valid_from=_time(step["valid_from"]) if "valid_from" in step else None,
            observed_at=_time(step["at"]) if "at" in step else None,
            fact=fact,
            importance=step.get("importance", 0.5),
        )
        if "as" in step:
            self.names[step["as"]] = record.id

    _add = _say

    def _observe(self, step: dict[str, Any]) -> None:
        obs = self.memory.observe(step.get("role", "user"), step["observe"], self.scope(step))
        if "as" in step:
            if len(obs.facts) != 1:
                raise ExpectationFailed(
                    f"observe {step['observe']!r} gave {len(obs.facts)} "
                    "facts; 'as:' needs exactly one"
                )
            self.names[step["as"]] = obs.facts[0].id

    def _update(self, step: dict[str, Any]) -> None:
        spec = step["update"]
        self.memory.update(self.id_of(spec["memory"]), spec["text"], self.scope(step))

    def _delete(self, step: dict[str, Any]) -> None:
        self.memory.delete(self.id_of(step["delete"]), self.scope(step))

    def _restore(self, step: dict[str, Any]) -> None:
        spec = step["restore"]
        events = [
            e
            for e in self.memory.history(self.id_of(spec["memory"]), self.scope(step))
            if e.memory_id == self.id_of(spec["memory"]) and e.op == spec["op"]
        ]
        if not events:
            raise ExpectationFailed(f"no {spec['op']} event on {spec['memory']!r} to restore")
        self.memory.restore(events[spec.get("index", -1)].id, self.scope(step))

    def _resolve_conflict(self, step: dict[str, Any]) -> None:
        spec = step["resolve_conflict"]
        open_ = self.memory.conflicts(self.scope(step))
        if not open_:
            raise ExpectationFailed("resolve_conflict: there is no open conflict")
        choice = spec.get("choice", "new")
        choice = self.names.get(choice, choice)
        self.memory.resolve_conflict(open_[spec.get("index", 0)].id, choice, self.scope(step))

    def _sweep(self, step: dict[str, Any]) -> None:
        spec = step["sweep"] or {}
        self.memory.sweep(self.scope(step), now=_time(spec["at"]) if "at" in spec else None)

    def _purge(self, step: dict[str, Any]) -> None:
        self.memory.purge(self.scope({"user": step["purge"]}))

    def _expect(self, step: dict[str, Any]) -> None:
        failures = []
        for key, spec in step["expect"].items():
            check = getattr(scenario_checks, f"check_{key}", None)
            if check is None:
                raise ExpectationFailed(f"unknown expectation {key!r}")
            try:
                check(self, self.scope(step), spec)
            except ExpectationFailed as exc:
                failures.append(f"{key}: {exc}")
        if failures:
            raise ExpectationFailed("; ".join(failures))


def run_scenario(scenario: Scenario, memory: Any, namespace: str = "") -> ScenarioResult:
    """Run one scenario on `memory`, its users prefixed by `namespace` (a hard partition)."""
    from agentmem.config import ConflictsConfig as Config

    start = time.perf_counter()
    saved = memory.long_term.config.conflicts
    memory.long_term.config.conflicts = Config(**{**saved.model_dump(), **scenario.config})
    run, failures = _Run(memory, scenario, namespace), []
    try:
        for number, step in enumerate(scenario.steps, start=1):
            try:
                run.step(step)
            except ExpectationFailed as exc:
                failures.append(f"step {number}: {exc}")
                if "expect" not in step:
                    break
    finally:
        memory.long_term.config.conflicts = saved
    return ScenarioResult(
        scenario.name, scenario.source, not failures, failures, time.perf_counter() - start
    )


def check_conflicts(
    paths: Sequence[str | Path], *, memory: Any = None, home: str | Path | None = None
) -> Report:
    """Run the scenarios of every file on one fresh memory (hash embeddings unless given)."""
    scenarios = [s for p in _expand(paths) for s in load(p)]
    report = Report()
    with tempfile.TemporaryDirectory(prefix="agentmem-scenarios-") as tmp:
        own = memory is None
        if own:
            memory = scenario_memory(Path(home or tmp))
        try:
            for i, scenario in enumerate(scenarios):
                report.results.append(run_scenario(scenario, memory, namespace=f"s{i}:"))
        finally:
            if own:
                memory.close()
    return report


def scenario_memory(home: Path) -> Any:
    """A Memory for scenarios: hash embeddings and a word counter, so no model is loaded."""
    from agentmem.manager import Memory
    from agentmem.short_term import word_counter

    return Memory(home=home, embedding={"model": "hash"}, token_counter=word_counter)


def _expand(paths: Sequence[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml"))
        elif p.exists():
            out.append(p)
        else:
            raise ValidationError(f"scenario file {str(p)!r} does not exist")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """`agentmem check-conflicts FILE...`: run scenario files, print a pass/fail report."""
    parser = argparse.ArgumentParser(
        prog="agentmem check-conflicts", description="Run conflict-resolution scenario files."
    )
    parser.add_argument("paths", nargs="+", help="YAML scenario files or directories")
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    args = parser.parse_args(argv)
    try:
        report = check_conflicts(args.paths)
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.render())
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
