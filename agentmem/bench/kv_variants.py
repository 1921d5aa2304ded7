"""Policy variants for `agentmem bench kv`: a policy name with hyperparameters in brackets,
``cmp[decode_open=1]`` or ``cmp[decode_open=1,recall_share=0.25]``, so that variants of one
policy run side by side on the same cases (``--policies full cmp 'cmp[decode_open=1]'``) and
at chosen budgets in the speed task (``--speed-configs full@1 'cmp[decode_open=1]@0.125'``).

A variant's spec is its name in the report's rows. Every option must be a field of the
policy's dataclass; its value is read by the field's default type (``true``/``false`` for
booleans, ``none`` for an optional field) and the policy's own checks then apply, so an
unknown option or a bad value is a `ConfigError` naming the spec.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from agentmem.errors import ConfigError
from agentmem.kv.policies import ALIASES, POLICIES, Policy, get_policy

_SPEC = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\[(.*)\])?\s*$", re.DOTALL)


def _value(spec: str, option: str, text: str, default: Any) -> Any:
    """``text`` read as the type of the field's ``default``."""
    text = text.strip()
    if default is None or text.lower() == "none":
        return None if text.lower() == "none" else text
    if isinstance(default, bool):
        if text.lower() not in ("true", "false", "1", "0"):
            raise ConfigError(
                f"policy variant {spec!r}: {option} expects true or false, got {text!r}"
            )
        return text.lower() in ("true", "1")
    for kind in (int, float):
        if isinstance(default, kind):
            try:
                return kind(text)
            except ValueError:
                raise ConfigError(
                    f"policy variant {spec!r}: {option} expects {kind.__name__}, got {text!r}"
                ) from None
    return text


def parse_variant(spec: str) -> tuple[str, dict[str, Any]]:
    """``"cmp[decode_open=1]"`` -> ``("cmp", {"decode_open": 1.0})``; a bare name has no
    options. Raises `ConfigError` for an unknown policy, a malformed spec or an option that
    is not a field of the policy."""
    match = _SPEC.match(str(spec))
    if match is None:
        raise ConfigError(
            f"policy variant {spec!r} is not NAME or NAME[option=value,...], e.g. "
            "cmp[decode_open=1]"
        )
    name, body = match.group(1).lower(), match.group(2)
    name = ALIASES.get(name, name)
    if name not in POLICIES:
        raise ConfigError(f"unknown KV policy {match.group(1)!r} in {spec!r}; choose from "
                          f"{sorted(POLICIES)}")  # fmt: skip
    cls = POLICIES[name]
    fields = {f.name: f for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else {}
    params: dict[str, Any] = {}
    for item in [] if body is None or not body.strip() else body.split(","):
        option, eq, text = item.partition("=")
        option = option.strip()
        if not eq or not option:
            raise ConfigError(f"policy variant {spec!r}: {item.strip()!r} is not option=value")
        if option not in fields:
            raise ConfigError(
                f"policy variant {spec!r}: {name} has no option {option!r}; its options are "
                f"{sorted(fields)}"
            )
        if option in params:
            raise ConfigError(f"policy variant {spec!r}: {option} is given twice")
        default = fields[option].default
        if default is dataclasses.MISSING:
            default = None
        params[option] = _value(spec, option, text, default)
    return name, params


def make_variant(spec: str | Policy) -> Policy:
    """The policy a variant spec names, built by `get_policy` (whose checks apply)."""
    if isinstance(spec, Policy):
        return spec
    name, params = parse_variant(spec)
    try:
        return get_policy(name, **params)
    except ConfigError as exc:
        raise ConfigError(f"policy variant {spec!r}: {exc}") from None


def check_variants(specs) -> list[str]:
    """Every spec built once, so that a bad one fails before any model work; returns them."""
    specs = list(specs)
    for spec in specs:
        make_variant(spec)
    return specs


def parse_config(text: str) -> tuple[str, float]:
    """A speed configuration ``SPEC@BUDGET`` (``cmp[decode_open=1]@0.125``) -> ``(spec,
    budget)``; the spec is checked."""
    spec, at, budget = str(text).rpartition("@")
    if not at or not spec:
        raise ConfigError(f"speed configuration {text!r} is not SPEC@BUDGET, e.g. cmp@0.125")
    try:
        value = float(budget)
    except ValueError:
        raise ConfigError(
            f"speed configuration {text!r}: budget {budget!r} is not a number"
        ) from None
    if not value > 0:
        raise ConfigError(f"speed configuration {text!r}: budget must be > 0, got {value}")
    make_variant(spec)
    return spec, value
