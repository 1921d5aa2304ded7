"""Sensory memory: normalise, split and score raw input, and log it as episodes first.

Every input (a user or assistant turn, a tool output, a document) is written to the
episodes table before anything else happens to it, so nothing is lost when a later step
(extraction, summarisation, indexing) fails. Salience says how likely an input is to hold
something worth remembering: first-person statements, names, numbers, dates, preferences,
plans and corrections score high; greetings and filler score low.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime
from typing import Any

from agentmem.checks import check_metadata, check_unicode
from agentmem.errors import ValidationError
from agentmem.long_term import LongTermMemory, episodes, timeref
from agentmem.long_term.plans import event
from agentmem.long_term.records import Appended
from agentmem.types import ROLES, Episode, MemoryRecord, Scope, as_utc, utcnow

MAX_INPUT_CHARS = 2_000_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")

# "we"/"our" state the speaker's household and life as much as "I"/"my" do
_FIRST_PERSON = re.compile(
    r"\b(?:I|i|I'm|I've|I'd|I'll|(?i:my|mine|me|myself|we|we're|we've|our|ours))\b"
)
_PREFERENCE = re.compile(
    r"\b(?:like|love|enjoy|hate|dislike|prefer|favou?rite|allergic|"
    r"can't stand|fan of)\b",
    re.I,
)
_PLAN = re.compile(
    r"\b(?:plan|planning|going to|will|tomorrow|next (?:week|month|year)|"
    r"appointment|meeting|deadline|trip|flight|remind)\b",
    re.I,
)
_CORRECTION = re.compile(
    r"\b(?:actually|no longer|anymore|not .+ but|correction|I meant|"
    r"moved|changed|instead|now)\b",
    re.I,
)
_FACT_VERB = re.compile(
    r"\b(?:live|work|am|was born|name|married|have|own|speak|grew up|"
    r"moved|joined|quit|left|study|studied)\b",
    re.I,
)
_NUMBER = re.compile(r"\d")
_DATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b\d{4}-\d\d-\d\d\b",
    re.I,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")
_FILLER = re.compile(
    r"^(?:hi|hello|hey|thanks|thank you|ok|okay|cool|great|nice|sure|yes|no|"
    r"yeah|yep|nope|lol|haha|bye|goodbye|good (?:morning|night|evening)|"
    r"sounds good|got it|I see|hmm+|wow)\b[\s!.,]*(?:\w+[\s!.,]*)?$",
    re.I,
)


def normalise(text: str) -> str:
    """Unicode NFC, no control or zero-width characters, single spaces, at most one blank line."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def split(text: str, max_chars: int) -> list[str]:
    """Chunks of at most `max_chars`, cut at paragraph, then sentence, then word boundaries."""
    if len(text) <= max_chars:
        return [text]
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, max_chars):
        joined = f"{current} {piece}".strip() if current else piece
        if len(joined) <= max_chars:
            current = joined
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _pieces(text: str, max_chars: int) -> list[str]:
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        for sentence in re.split(r"(?<=[.!?])\s+", paragraph):
            while len(sentence) > max_chars:
                cut = sentence.rfind(" ", 0, max_chars)
                cut = cut if cut > max_chars // 2 else max_chars
                out.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if sentence:
                out.append(sentence)
    return out


def salience(text: str, role: str = "user") -> float:
    """How likely `text` is to hold something worth remembering, in [0, 1]."""
    if _FILLER.match(text) or len(text) < 3:
        return 0.05
    score = 0.15
    if _FIRST_PERSON.search(text):
        score += 0.25 if role == "user" else 0.05
        if _FACT_VERB.search(text):
            score += 0.15
    for pattern, weight in (
        (_PREFERENCE, 0.2),
        (_PLAN, 0.1),
        (_CORRECTION, 0.1),
        (_NUMBER, 0.1),
        (_DATE, 0.1),
        (_NAME, 0.1),
    ):
        if pattern.search(text):
            score += weight
    if text.rstrip().endswith("?"):
        score -= 0.1
    if role in ("tool", "document"):
        score = max(score, 0.3)
    return round(min(1.0, max(0.0, score)), 3)


class SensoryMemory:
    """Normalises input and logs it as episodes, one transaction per input.

    Each episode's memory row (kind "episode", `agentmem.long_term.episodes`) is
    written in the same transaction and queued for the background index writer to embed,
    so the turn is searchable by full text at once and by meaning moments later."""

    def __init__(self, long_term: LongTermMemory, *, max_chunk_chars: int = 2000) -> None:
        self.long_term = long_term
        self.max_chunk_chars = max_chunk_chars

    def record(
        self,
        role: str,
        content: str,
        scope: Scope,
        metadata: dict[str, Any] | None = None,
        *,
        said_at: datetime | None = None,
        speaker: str | None = None,
    ) -> list[Episode]:
        """Log `content` as one episode per chunk, in order; returns them as stored.

        `said_at` is when it was said (default now): relative dates in it ("yesterday")
        are resolved against it into `metadata["dates"]`. `speaker` names who said it
        (multi-party conversations); the role stays user/assistant/..."""
        role, text = check_input(role, content)
        meta = check_metadata(metadata)
        name = check_speaker(speaker if speaker is not None else meta.get("speaker"))
        if name is not None:
            meta["speaker"] = name
        moment = check_time(said_at, "observed_at") if said_at is not None else utcnow()
        chunks = split(text, self.max_chunk_chars)
        extra = [{"chunk": i, "chunks": len(chunks)} for i in range(len(chunks))]
        metas = [{**meta, **e} for e in extra] if len(chunks) > 1 else [meta]
        return self._log(scope, role, chunks, metas, moment)[0]

    def record_many(
        self,
        role: str,
        contents: list[str],
        scope: Scope,
        metadatas: list[dict[str, Any]],
        *,
        said_at: datetime,
        actor: str = "user",
    ) -> list[MemoryRecord]:
        """Log each of `contents` as one episode, in order, in one transaction (a stored
        transcript: `Memory.add_many(kind="episode")`); returns their memory rows. Each text
        stays one episode, one stored memory; its metadata may name its speaker. They go to
        long-term memory as they are: marked consolidated, they never enter a working
        context nor a consolidation pass. Each gets an ADD event by `actor`."""
        if role not in ROLES:
            raise ValidationError(f"role must be one of {list(ROLES)}, got {role!r}")
        texts, metas = [], []
        for content, metadata in zip(contents, metadatas, strict=True):
            texts.append(check_input(role, content)[1])
            meta = check_metadata(metadata)
            name = check_speaker(meta.get("speaker"))
            if name is not None:
                meta["speaker"] = name
            metas.append(meta)
        moment = check_time(said_at, "observed_at")
        return self._log(scope, role, texts, metas, moment, stored_by=actor)[1]

    def _log(
        self,
        scope: Scope,
        role: str,
        texts: list[str],
        metas: list[dict[str, Any]],
        moment: datetime,
        *,
        stored_by: str | None = None,
    ) -> tuple[list[Episode], list[MemoryRecord]]:
        """Write the episodes (and their memory rows) in one transaction; queue the rows
        for the background index writer, which embeds them. `stored_by`: a caller stored
        them as memories (consolidated, with ADD events), rather than observed them."""
        grounded = [timeref.resolve(t, moment) for t in texts]

        def build(seq: int) -> Appended:
            items = [
                Episode(
                    id=uuid.uuid4().hex,
                    scope=scope,
                    role=role,
                    content=text,
                    created_at=moment,
                    salience=salience(text, _voice(role, meta)),
                    seq=seq + i,
                    metadata={**meta, **({"dates": [r.as_dict() for r in refs]} if refs else {})},
                    consolidated=stored_by is not None,
                )
                for i, (text, meta, refs) in enumerate(zip(texts, metas, grounded, strict=True))
            ]
            rows = [episodes.record(e, refs) for e, refs in zip(items, grounded, strict=True)]
            added = [_added(r, stored_by) for r in rows] if stored_by is not None else []
            return items, rows, added

        items, rows, _ = self.long_term.append_episodes(scope, build)
        return items, rows


def _added(row: MemoryRecord, actor: str):
    return event(
        "ADD", row, actor=actor, reason="stored as said", new_text=row.text, at=row.created_at
    )


def _voice(role: str, meta: dict[str, Any]) -> str:
    """A named speaker's turn is scored as a user's: it speaks for a person."""
    return "user" if meta.get("speaker") else role


def check_speaker(speaker: Any) -> str | None:
    if speaker is None:
        return None
    if not isinstance(speaker, str) or not speaker.strip() or len(speaker) > 64:
        raise ValidationError(
            f"speaker must be a name of 1-64 characters (who said it), got {speaker!r:.80}"
        )
    return normalise(speaker)


def check_time(value: Any, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError(
            f"{name} must be a datetime (when it was said), got {type(value).__name__}; "
            "pass datetime.fromisoformat('2023-05-08T13:56:00+00:00')"
        )
    return as_utc(value)


def check_input(role: Any, content: Any) -> tuple[str, str]:
    """Validate and normalise one input; ValidationError names the fix."""
    if role not in ROLES:
        raise ValidationError(f"role must be one of {list(ROLES)}, got {role!r}")
    if not isinstance(content, str):
        raise ValidationError(f"content must be a string, got {type(content).__name__}")
    if len(content) > MAX_INPUT_CHARS:
        raise ValidationError(
            f"content has {len(content)} characters, over {MAX_INPUT_CHARS}; "
            "split the document before observing it"
        )
    text = normalise(check_unicode(content, "content"))
    if not text:
        raise ValidationError("content is empty after normalisation; pass some text")
    return role, text


__all__ = [
    "SensoryMemory",
    "check_input",
    "check_speaker",
    "check_time",
    "normalise",
    "salience",
    "split",
]
