"""Context assembly: a prompt that remembers, packed to a token budget.

`Context.messages` is one system message (preamble, what is remembered about the user,
the past turns that bear on the query, the session's rolling summary) followed by the
recent turns of the working context. Memories come from two signals: the facts whose
attribute the query asks about (an SQL lookup: "where do I live?" -> lives_in) and hybrid
search over facts, notes and session summaries (a chunk summary records what was said
then, not what is true now: the turns it covers are retrieved themselves). Past turns come
from hybrid search over the episodes (every turn ever observed), each with its neighbours
in the same session so it can be read, overlapping windows merged, shown with who said it
and when (`Context.episodes`). Only active records are used, each once; of a
single-valued fact only the newest value; a turn already in the working context is not
repeated, nor a memory whose text a shown turn says.

Packing is by the real tokenizer: the preamble always; then memories up to a share of the
budget; past turns up to a share of what is left (all of it when the session has no recent
turns); the summary (newest sentences first) up
to its share; the recent turns, newest first, with what is left; finally more memories if
room remains. An item too long for what is left is skipped, not a reason to stop.
`included` and `left_out` account for every part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest

from agentmem import prompts
from agentmem.context_dedupe import dedupe
from agentmem.errors import ValidationError
from agentmem.facts.vocabulary import ATTRIBUTES, canonical
from agentmem.long_term import LongTermMemory, episodes
from agentmem.short_term import TokenCounter, WorkingContext, turn_message
from agentmem.stores.sql import MemoryQuery
from agentmem.types import Context, Episode, MemoryRecord, Scope

MESSAGE_OVERHEAD = 4  # chat-template tokens around each message
MIN_TOKENS = 32
FACT_KINDS = ["fact", "note", "summary"]

# Words of a question -> the attributes it asks about, from the attribute table. "name" is
# asked last: other slots' questions hold the word too ("my dog's name" asks about the dog).
QUERY_HINTS: dict[str, str] = {
    a.name: a.asked_with for a in sorted(ATTRIBUTES, key=lambda a: a.name == "name") if a.asked_with
}
_HINTS = [(re.compile(pattern, re.I), (name,)) for name, pattern in QUERY_HINTS.items()]
_MY_THING = re.compile(r"\bmy ((?:favou?rite )?[a-z]+(?: [a-z]+)?)\b", re.I)


def query_attributes(query: str) -> list[str]:
    """Canonical attributes a question asks about ("what's my phone number" -> phone_number)."""
    found: dict[str, None] = {}
    for pattern, attributes in _HINTS:
        if pattern.search(query):
            found.update(dict.fromkeys(attributes))
    for m in _MY_THING.finditer(query):
        phrase = m.group(1).lower().replace("favourite", "favorite")
        words = phrase.split()
        for n in (len(words), 1):
            found[canonical(" ".join(words[:n]))] = None
        if words[0] == "favorite" and len(words) > 1:
            found[f"favorite_{words[1]}"] = None
    return list(found)


@dataclass
class ContextBuilder:
    """Retrieves memories for a query and packs them with the working context."""

    long_term: LongTermMemory
    count: TokenCounter
    top_k: int = 12
    # Shares and counts measured on LoCoMo (tuned on conversations 26/30/41): the turns that
    # hold a question's answer were shown for 0.748 of questions with 8 turns (each with a
    # neighbour either side) after 40% for memories, 0.879 with up to 40 turns (the best 4
    # with neighbours) after 10% (asked from a new session: no recent turns to keep); the
    # answer is more often in what was said than in a summary of it, and what the memory
    # share leaves unused goes on to the turns. Re-measured with the named-speaker factor in
    # search (26 / 30): containment 0.387 / 0.556 against a ceiling of 0.413 / 0.593 (answers
    # in the words of some turn); best 8 with neighbours, no memory share, 60 turns or no
    # neighbours each moved it by at most one question, so these stay.
    memory_share: float = 0.1
    summary_share: float = 0.25
    per_attribute: int = 5
    episode_k: int = 40  # past turns retrieved per query (packed while the budget lasts)
    neighbours: int = 1  # turns shown either side of each of the best hits
    neighbour_hits: int = 4  # how many of the best hits are shown with their neighbours
    episode_share: float = 0.6  # of what the memories leave, beside a working context
    per_person: bool = True  # a question naming several speakers: each one's turns (_each_person)
    day_headers: bool = True  # the day once per passage, not on every turn (passage_text)

    def build(
        self, query: str | None, scope: Scope, working: WorkingContext, max_tokens: int
    ) -> Context:
        if (
            isinstance(max_tokens, bool)
            or not isinstance(max_tokens, int)
            or max_tokens < MIN_TOKENS
        ):
            raise ValidationError(
                f"max_tokens must be an integer >= {MIN_TOKENS}, got {max_tokens!r}"
            )
        exclude = {working.summary.id} if working.summary is not None else set()
        memories = self.recall(query, scope, exclude=exclude)
        passages, hits = self._passages(query, scope, working)
        return self.pack(memories, working, max_tokens, passages, hits)

    # --- retrieval ------------------------------------------------------------------
    def recall(
        self, query: str | None, scope: Scope, *, exclude: set[str] = frozenset()
    ) -> list[MemoryRecord]:
        """Relevant active memories, best first, without duplicates or stale values."""
        found: list[MemoryRecord] = []
        text = (query or "").strip()
        for attribute in query_attributes(text) if text else []:
            found += self.long_term.find(
                MemoryQuery(
                    user_id=scope.user_id,
                    agent_id=scope.agent_id,
                    kinds=["fact"],
                    attribute=attribute,
                ),
                limit=self.per_attribute,
            )
        if text:
            hits = self.long_term.search(  # twice as many: chunk summaries are left out
                text[:2000], scope, top_k=2 * self.top_k, filters={"kind": FACT_KINDS}
            )
            found += [h.record for h in hits if "chunk_of" not in h.record.metadata][: self.top_k]
        else:
            found += self.long_term.find(
                MemoryQuery(user_id=scope.user_id, agent_id=scope.agent_id, kinds=["fact"]),
                limit=self.top_k,
            )
        return dedupe(
            [r for r in found if r.id not in exclude and r.status == "active"],
            self.long_term.config.conflicts.multi_valued,
        )

    def recall_turns(
        self, query: str | None, scope: Scope, working: WorkingContext
    ) -> list[list[Episode]]:
        """Past turns relevant to the query, each with its neighbours: passages (runs of
        consecutive turns of one session), best first, none repeating a turn of another
        or of the working context."""
        return self._passages(query, scope, working)[0]

    def _passages(
        self, query: str | None, scope: Scope, working: WorkingContext
    ) -> tuple[list[list[Episode]], set[str]]:
        """The passages, and the ids of the turns search found (not their neighbours)."""
        text = (query or "").strip()
        if not text or self.episode_k <= 0:
            return [], set()
        recent = {t.episode.id for t in working.turns}
        found = self.long_term.search(
            text[:2000], scope, top_k=self.episode_k, filters={"kind": [episodes.KIND]}
        )
        hits = self._each_person(text[:2000], scope, [h.record for h in found])
        hits = [h for h in hits if h.id not in recent]
        windows = episodes.around(self.long_term, hits, self.neighbours)
        for hit in hits[self.neighbour_hits :]:  # a lesser hit is shown alone
            seq = int(hit.metadata.get("seq", 0))
            windows[hit.id] = [e for e in windows.get(hit.id, []) if e.seq == seq]
        passages: list[list[Episode]] = []
        placed: dict[str, int] = {}  # episode id -> passage index
        for hit in hits:
            window = [e for e in windows.get(hit.id, []) if e.id not in recent]
            joined = {placed[e.id] for e in window if e.id in placed}
            if joined:  # overlaps an earlier (better) passage: extend that one
                target = min(joined)
                merged = {e.id: e for i in sorted(joined) for e in passages[i]}
                merged.update({e.id: e for e in window})
                passages[target] = sorted(merged.values(), key=lambda e: e.seq)
                for i in sorted(joined - {target}, reverse=True):
                    passages[i] = []
            else:
                target = len(passages)
                passages.append(window)
            placed.update({e.id: target for e in passages[target]})
        return [p for p in passages if p], {h.id for h in hits}

    def _each_person(self, text: str, scope: Scope, hits: list[MemoryRecord]) -> list[MemoryRecord]:
        """A question about two or more of the speakers ("What have Jon and Gina both
        painted?") asks about what each of them said: each named speaker's own best turns,
        taken in turn, lead; the joint search's hits follow. One speaker or none: as is."""
        if not self.per_person:
            return hits
        named = sorted({str(h.metadata.get("speaker") or "") for h in hits} - {""})
        named = [n for n in named if _names(text, n)]
        if len(named) < 2:
            return hits
        k = max(1, self.episode_k // len(named))
        # among one speaker's turns names tell nothing apart: the other words choose
        names = "|".join(re.escape(n) for n in named)
        topic = " ".join(re.sub(rf"(?i)(?<!\w)(?:{names})(?:'s)?(?!\w)", " ", text).split()) or text
        own = [
            [
                h.record
                for h in self.long_term.search(
                    topic,
                    scope,
                    top_k=k,
                    filters={"kind": [episodes.KIND], "metadata": {"speaker": n}},
                )
            ]
            for n in named
        ]
        merged = [r for group in zip_longest(*own) for r in group if r is not None] + hits
        return list({r.id: r for r in merged}.values())  # each once, where first placed

    # --- packing --------------------------------------------------------------------
    def pack(
        self,
        memories: Sequence[MemoryRecord],
        working: WorkingContext,
        max_tokens: int,
        passages: Sequence[Sequence[Episode]] = (),
        hits: set[str] = frozenset(),
    ) -> Context:
        preamble = prompts.CONTEXT_PREAMBLE
        left = max_tokens - self._cost(preamble)
        said = {" ".join(e.content.lower().split()) for p in passages for e in p}
        memories = [m for m in memories if " ".join(m.text.lower().split()) not in said]
        memory_cost = [self._cost_line(memory_line(m)) for m in memories]
        chosen = _select(memory_cost, int(left * self.memory_share))
        left -= sum(memory_cost[i] for i in chosen)
        passage_cost = [self.count(passage_text(p, self.day_headers)) + 4 for p in passages]
        share = self.episode_share if working.turns else 1.0  # else nothing else needs it
        kept_passages = _select(passage_cost, int(left * share)) if passages else []
        left -= sum(passage_cost[i] for i in kept_passages) + (8 if kept_passages else 0)
        summary = self._fit_summary(
            working.summary_text, int(left * self.summary_share) if working.turns else left
        )
        left -= (self._cost_line(summary) + 8) if summary else 0
        turns = list(working.turns)
        turn_cost = [t.tokens + MESSAGE_OVERHEAD for t in reversed(turns)]
        n_turns = _fit(turn_cost, left)
        left -= sum(turn_cost[:n_turns])
        more = [i for i in range(len(memories)) if i not in set(chosen)]
        extra = [more[i] for i in _select([memory_cost[i] for i in more], left)]
        left -= sum(memory_cost[i] for i in extra)
        kept_memories = [memories[i] for i in sorted(chosen + extra)]
        n_mem = len(kept_memories)
        more = [i for i in range(len(passages)) if i not in set(kept_passages)]
        if more:  # what is still left goes to more past turns
            header = 0 if kept_passages else 8
            extra = [more[i] for i in _select([passage_cost[i] for i in more], left - header)]
            left -= sum(passage_cost[i] for i in extra) + (header if extra else 0)
            kept_passages = sorted(kept_passages + extra)
        past = [passages[i] for i in kept_passages]
        past += self._found_alone(passages, kept_passages, hits, left - (0 if past else 8))
        kept_turns = turns[len(turns) - n_turns :] if n_turns else []
        system = _system(preamble, kept_memories, summary, past, self.day_headers)
        messages = [{"role": "system", "content": system}]
        messages += [turn_message(t.episode) for t in kept_turns]
        total = sum(self.count(m["content"]) + MESSAGE_OVERHEAD for m in messages)
        while total > max_tokens and kept_turns:  # joined text may count a little differently
            dropped = kept_turns.pop(0)
            messages.pop(1)
            total -= dropped.tokens + MESSAGE_OVERHEAD
        while total > max_tokens and past:  # the same: the least relevant turns go
            past[-1] = list(past[-1][:-1])
            past = [p for p in past if p]
            messages[0]["content"] = _system(
                preamble, kept_memories, summary, past, self.day_headers
            )
            total = sum(self.count(m["content"]) + MESSAGE_OVERHEAD for m in messages)
        summary_sentences = len(_sentences(working.summary_text))
        return Context(
            messages=messages,
            memories=kept_memories,
            episodes=[e for p in past for e in p],
            tokens=total,
            included={
                "memories": n_mem,
                "turns": len(kept_turns),
                "summary_sentences": len(_sentences(summary)),
                "episodes": sum(len(p) for p in past),
                "preamble": 1,
            },
            left_out={
                "memories": len(memories) - n_mem,
                "turns": len(turns) - len(kept_turns),
                "summary_sentences": summary_sentences - len(_sentences(summary)),
                "episodes": sum(len(p) for p in passages) - sum(len(p) for p in past),
            },
        )

    def _found_alone(
        self,
        passages: Sequence[Sequence[Episode]],
        kept: Sequence[int],
        hits: set[str],
        budget: int,
    ) -> list[list[Episode]]:
        """A passage too long for what was left still shows its found turns, each alone."""
        alone = [
            [e] for i, p in enumerate(passages) if i not in set(kept) for e in p if e.id in hits
        ]
        costs = [self.count(passage_text(p, self.day_headers)) + 4 for p in alone]
        return [alone[i] for i in _select(costs, budget)]

    def _cost(self, text: str) -> int:
        return self.count(text) + MESSAGE_OVERHEAD

    def _cost_line(self, text: str) -> int:
        return self.count(text) + 2

    def _fit_summary(self, summary: str, budget: int) -> str:
        """The newest sentences of the summary that fit the budget, in their order."""
        kept: list[str] = []
        used = 0
        for sentence in reversed(_sentences(summary)):
            cost = self.count(sentence) + 1
            if used + cost > budget:
                break
            kept.insert(0, sentence)
            used += cost
        return " ".join(kept)


def _system(
    preamble: str,
    memories: Sequence[MemoryRecord],
    summary: str,
    past: Sequence[Sequence[Episode]] = (),
    day_headers: bool = True,
) -> str:
    parts = [preamble]
    if memories:
        parts.append("What you remember:\n" + "\n".join(f"- {memory_line(m)}" for m in memories))
    if past:
        lines = "\n...\n".join(passage_text(p, day_headers) for p in past)
        parts.append("Past conversation:\n" + lines)
    if summary:
        parts.append("Earlier in this conversation: " + summary)
    return "\n\n".join(parts)


def passage_text(passage: Sequence[Episode], day_headers: bool = True) -> str:
    """A run of consecutive turns as prompt lines. With `day_headers` the day they were
    said heads each day's turns once ("[7 May 2023]") and each line names only its
    speaker: the date repeated on every line cost about six tokens a turn."""
    if not day_headers:
        return "\n".join(episodes.line(e) for e in passage)
    lines, day = [], None
    for e in passage:
        said = episodes.when(e.created_at)
        if said != day:
            lines.append(f"[{said}]")
            day = said
        lines.append(f"{episodes.speaker(e)}: {episodes.grounded(e)}")
    return "\n".join(lines)


def memory_line(memory: MemoryRecord) -> str:
    """A memory as a prompt line, its relative dates resolved: 'yesterday (7 May 2023)'."""
    text = memory.text
    for ref in memory.metadata.get("dates") or []:
        if not isinstance(ref, dict) or not ref.get("text") or not ref.get("label"):
            continue
        label = f"{ref['text']} ({ref['label']})"
        if label not in text:
            text = text.replace(ref["text"], label, 1)
    return text


def _names(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE) is not None


def _select(costs: Sequence[int], budget: int) -> list[int]:
    """Indices of the items, in order, that fit the budget (one too long is skipped)."""
    out, used = [], 0
    for i, cost in enumerate(costs):
        if used + cost <= budget:
            out.append(i)
            used += cost
    return out


def _fit(costs: Sequence[int], budget: int) -> int:
    """How many items, in order, fit the budget."""
    used = 0
    for i, cost in enumerate(costs):
        if used + cost > budget:
            return i
        used += cost
    return len(costs)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s] if text else []


__all__ = ["ContextBuilder", "QUERY_HINTS", "dedupe", "memory_line", "query_attributes"]
