"""Chat with memory: context -> local model under the KV policy -> reply, observed.

`Memory.chat` and `Memory.chat_stream` delegate here. The tiers a reply may use:

- "text": the context (retrieved memories, session summary, recent turns) is the prompt;
- "kv": the configured KV retention policy and budget govern the model's cache
  (without it the cache is kept whole);
- "parametric": the scope's LoRA adapter, when the parametric registry provides one.

A stream yields text pieces; once it is exhausted its `reply` holds the ChatReply, and the
reply has been observed into memory like any other turn.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from agentmem.errors import ValidationError
from agentmem.types import ChatReply, Context

TIERS = ("text", "kv", "parametric")
_PATH_SAMPLE = 16  # tokens whose tier paths the last-chat record keeps
TIER_NAMES = {0: "hot", 1: "warm", 2: "cold"}

log = logging.getLogger(__name__)


def check_tiers(tiers: Sequence[str] | None) -> list[str]:
    if tiers is None:
        return list(TIERS)
    if isinstance(tiers, str) or not all(isinstance(t, str) for t in tiers):
        raise ValidationError(f"tiers must be a list drawn from {list(TIERS)}, got {tiers!r}")
    unknown = sorted(set(tiers) - set(TIERS))
    if unknown:
        raise ValidationError(f"unknown tiers {unknown}; choose from {list(TIERS)}")
    return [t for t in TIERS if t in tiers]


def check_messages(messages: Any) -> list[dict[str, str]]:
    """A client's conversation (OpenAI shape): dicts with a known role and string content."""
    if not isinstance(messages, list) or not messages:
        raise ValidationError("messages must be a non-empty list of {'role', 'content'} dicts")
    out = []
    for m in messages:
        if (
            not isinstance(m, dict)
            or m.get("role") not in ("system", "user", "assistant", "tool")
            or not isinstance(m.get("content"), str)
        ):
            raise ValidationError(
                f"each message needs a role (system, user, assistant, tool) "
                f"and string content, got {str(m)[:80]!r}"
            )
        out.append({"role": m["role"], "content": m["content"]})
    return out


def check_stop(stop: Any) -> list[str]:
    """Stop sequences: None, one string or a list of up to four non-empty strings."""
    if stop is None:
        return []
    items = [stop] if isinstance(stop, str) else stop
    if (
        not isinstance(items, list | tuple)
        or len(items) > 4
        or not all(isinstance(s, str) and s for s in items)
    ):
        raise ValidationError(
            f"stop must be a string or a list of up to 4 non-empty strings, got {stop!r:.80}"
        )
    return list(items)


# A small model that goes on writing the transcript itself starts the next turn with one of
# these; the reply ends there.
TURN_MARKERS = ("<|im_start|>", "\nUser:", "\nuser:", "\nAssistant:", "\nassistant:")
MEMORY_HEADING = "What you remember:"
ADDRESSED_HEADING = (
    'What you know about the person you are talking to (in these lines, "you" is them):'
)


def addressed(context: Context) -> Context:
    """The context with its memory lines said to the user ("You live in Porto"), so that
    the model answers in the second person instead of copying "The user lives in ..."."""
    from agentmem.person import second_person

    lines = {
        f"- {m.text}": f"- {second_person(m.text)}"
        for m in context.memories
        if (m.subject or "user") == "user"
    }
    from agentmem import prompts

    messages = []
    for m in context.messages:
        if m["role"] == "system":
            content = m["content"].replace(prompts.CONTEXT_PREAMBLE, prompts.CHAT_PREAMBLE, 1)
            content = content.replace(MEMORY_HEADING, ADDRESSED_HEADING, 1)
            content = "\n".join(lines.get(line, line) for line in content.split("\n"))
            m = {**m, "content": content}
        messages.append(m)
    return dataclasses.replace(context, messages=messages)


def build_prompt(
    message: str, context: Context | None, messages: list[dict[str, str]] | None
) -> list[dict[str, str]]:
    """The model's input: memory's context (when the text tier is on), then the turn.

    With a client-held conversation (`messages`), memory contributes only its system part
    (memories and summary); the client's turns replace memory's recent turns.
    """
    context = addressed(context) if context is not None else None
    if messages is None:
        prompt = list(context.messages) if context is not None else []
        if not prompt or prompt[-1] != {"role": "user", "content": message}:
            prompt.append({"role": "user", "content": message})
        return prompt
    system = [m["content"] for m in (context.messages if context else []) if m["role"] == "system"]
    system += [m["content"] for m in messages if m["role"] == "system"]
    turns = [m for m in messages if m["role"] != "system"]
    return ([{"role": "system", "content": "\n\n".join(system)}] if system else []) + turns


class ChatStream:
    """Text pieces of a reply as the model decodes them; `.reply` once exhausted."""

    def __init__(
        self,
        pieces: Iterator[str],
        finish: Callable[[str], ChatReply],
        lock: threading.Lock,
        activate: Callable[[], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self._pieces = pieces
        self._finish = finish
        self._lock = lock
        self._activate = activate or contextlib.nullcontext
        self.reply: ChatReply | None = None

    def __iter__(self) -> Iterator[str]:
        text: list[str] = []
        # one generation at a time on a model, with the scope's adapter (if any) switched on
        with self._lock, self._activate():
            for piece in self._pieces:
                text.append(piece)
                yield piece
        self.reply = self._finish("".join(text).strip())

    def text(self) -> str:
        """Run to the end; the whole reply text."""
        for _ in self:
            pass
        assert self.reply is not None
        return self.reply.text


def save_last_chat(folder: Path, session: Any, user_id: str) -> dict[str, Any]:
    """KV statistics and a sample of per-token tier paths, for `agentmem kv last`."""
    stats = session.stats()
    seen = int(stats.get("tokens_seen", 0))
    step = max(1, seen // _PATH_SAMPLE)
    paths = {str(p): _summarise_path(session.token_path(p)) for p in range(0, seen, step)}
    record = {
        "user_id": user_id,
        "stats": stats,
        "paths": {k: v for k, v in paths.items() if v["moves"]},
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "last_chat.json").write_text(json.dumps(record, default=str, indent=1))
    except OSError as exc:  # inspection aid only; a read-only home must not fail the chat
        log.warning("could not write %s: %s", folder / "last_chat.json", exc)
    return stats


def _summarise_path(events: list[dict[str, Any]]) -> dict[str, Any]:
    """A token's tier moves, counted over layers and heads, and its path in layer 0, head 0."""
    moves: dict[str, int] = {}
    for e in events:
        key = (
            f"{TIER_NAMES.get(e.get('from'), e.get('from'))}->"
            f"{TIER_NAMES.get(e.get('to'), e.get('to'))}"
        )
        moves[key] = moves.get(key, 0) + 1
    first = [
        {
            "step": e.get("step"),
            "from": TIER_NAMES.get(e.get("from"), e.get("from")),
            "to": TIER_NAMES.get(e.get("to"), e.get("to")),
        }
        for e in events
        if e.get("layer") == 0 and e.get("head", 0) == 0
    ]
    return {"moves": moves, "layer0_head0": first}


__all__ = [
    "TIERS",
    "ChatStream",
    "build_prompt",
    "check_messages",
    "check_stop",
    "check_tiers",
    "save_last_chat",
]
