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
from collections.abc import Callable, Generator, Iterator, Sequence
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
    from agentmem.facts.person import addressed as to_user

    lines = {
        f"- {m.text}": f"- {to_user(m.text)}"
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
        pieces: Generator[str, None, None],
        finish: Callable[[str], ChatReply],
        lock: threading.Lock,
        activate: Callable[[], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self._pieces = pieces
        self._finish = finish
        self._lock = lock
        self._activate = activate or contextlib.nullcontext
        self._running: Iterator[str] | None = None
        self.reply: ChatReply | None = None

    def __iter__(self) -> Iterator[str]:
        self._running = self._run()
        return self._running

    def _run(self) -> Iterator[str]:
        text: list[str] = []
        # one generation at a time on a model, with the scope's adapter (if any) switched on
        with self._lock, self._activate():
            try:
                for piece in self._pieces:
                    text.append(piece)
                    yield piece
            finally:
                self._pieces.close()  # stops decoding and frees its cache, even when cut short
        self.reply = self._finish("".join(text).strip())

    def close(self) -> None:
        """Stop a stream that will not be read to the end (a client gone, a server stopping):
        generation ends and the model's lock is released at once, not when the garbage
        collector happens to find the suspended generator. The reply is then not observed."""
        if self._running is not None:
            self._running.close()
        else:
            self._pieces.close()

    def text(self) -> str:
        """Run to the end; the whole reply text."""
        for _ in self:
            pass
        assert self.reply is not None
        return self.reply.text


class ChatTurn:
    """One reply's plan and record: the model's input and settings from the tiers, then the
    reply observed and its KV statistics saved.

    `memory` is the `Memory` answering (its model, config and `observe`); `adapters` the
    scope's adapters in use, `changed` the facts that changed since they were trained.
    """

    def __init__(
        self,
        memory: Any,
        scope: Any,
        tiers: list[str],
        prompt: list[dict[str, str]],
        context: Context | None,
        adapters: list[Any],
        changed: list[Any],
        *,
        observe: bool = True,
        stop: list[str] | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self.memory, self.scope, self.tiers = memory, scope, tiers
        self.observe, self.stop = observe, list(stop or [])
        self.warnings = list(warnings or [])
        self.llm = memory.llm  # loaded now: a model that cannot load fails the call, not the stream
        self.context, self.adapters = context, adapters
        self.system = "\n\n".join(m["content"] for m in prompt if m["role"] == "system")
        if changed:  # a stale adapter: the text memory's current value wins in the prompt
            self.system += "\n\nUpdated facts (they replace what you learned before): " + " ".join(
                r.text for r in changed
            )
        self.turns = [m for m in prompt if m["role"] != "system"]
        self.session: Any = None
        self.snapshot_hit = False

    def pieces(self, max_new_tokens: int) -> Iterator[str]:
        """Prefill and decode; runs inside ChatStream's lock and adapter activation."""
        from agentmem.kv.snapshots import SnapshotStore

        # The system turn's KV comes from the scope's activation snapshot while its text is
        # unchanged; with an adapter switched on, the base model's snapshot does not apply.
        kv = "kv" in self.tiers
        self.session, self.snapshot_hit = self.llm.chat_session(
            self.system,
            self.turns,
            user_id=None if self.adapters else self.scope.user_id,
            agent_id=self.scope.agent_id,
            policy=None if kv else "full",
            budget=None if kv else 1.0,
            snapshots=SnapshotStore.for_config(self.memory.config),
        )
        yield from self.session.decode(
            max_new_tokens,
            stop=[*self.stop, *TURN_MARKERS],
            repetition_penalty=self.memory.config.llm.repetition_penalty,
            stop_repeats=True,
        )

    def finish(self, text: str) -> ChatReply:
        """Observe the reply (unless the caller stores turns itself) and record the turn's KV
        statistics."""
        if text and self.observe:
            self.memory.observe("assistant", text, self.scope)
        config = self.memory.config
        kv = save_last_chat(config.last_chat_path, self.session, self.scope.user_id)
        kv["snapshot_hit"] = self.snapshot_hit
        ctx = self.context
        return ChatReply(
            text=text,
            tiers=self.tiers,
            context_tokens=ctx.tokens if ctx else 0,
            memories=[m.id for m in ctx.memories] if ctx else [],
            kv=kv,
            adapter_id=self.adapters[0].id if self.adapters else None,
            warnings=self.warnings,
        )


def save_last_chat(path: Path, session: Any, user_id: str) -> dict[str, Any]:
    """KV statistics and a sample of per-token tier paths, for `agentmem kv last`, written
    to `path` (`config.last_chat_path`)."""
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
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, default=str, indent=1))
    except OSError as exc:  # inspection aid only; a read-only home must not fail the chat
        log.warning("could not write %s: %s", path, exc)
    return stats


def forget_last_chat(path: Path, user_id: str) -> int:
    """Delete the last-chat record when it is `user_id`'s; returns the files removed."""
    try:
        owner = json.loads(path.read_text()).get("user_id")
    except FileNotFoundError:
        return 0
    except (OSError, ValueError, AttributeError):
        owner = user_id  # unreadable: it may name the user, and it is only an inspection aid
    if owner != user_id:
        return 0
    path.unlink(missing_ok=True)
    return 1


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
    "ChatTurn",
    "build_prompt",
    "check_messages",
    "check_stop",
    "check_tiers",
    "forget_last_chat",
    "save_last_chat",
]
