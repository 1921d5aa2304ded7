"""Consolidation: turn short-term overflow into long-term memory, keeping everything.

One pass over a session's oldest turns:
  1. facts: the extractor reads the user's salient turns; each fact passes through
     conflict resolution (`resolver.resolve`) and is stored with its audit events and the
     episode it came from (`metadata["episode_ids"]`);
  2. chunk summary: the summariser writes what these turns state (each sentence with its
     speaker) as a new memory of kind "summary" linked to its episodes
     (`metadata["chunk_of"]`, `["episode_ids"]`); chunk summaries are never rewritten;
  3. session summary: composed from the previous one and the new chunk summary (the
     rolling summary of the working context, updated in place, old versions kept in
     history, `metadata["chunk_ids"]` naming its chunks);
  4. the episodes are marked consolidated and leave the working context -- not long-term
     memory: each stays searchable as a memory of kind "episode" (`agentmem.long_term.episodes`).
No pass replaces earlier content with less: every sentence a session summary ever held
is in a chunk summary that stays, and every turn stays an episode. Each step's failure is
logged and reported; episodes are marked consolidated only once the summaries hold them,
so a failed pass leaves them in the working context to retry.

Summarisers live in `agentmem.consolidation.summarizers` (re-exported here).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import Any

from agentmem.consolidation.summarizers import (
    SUMMARIZERS,
    ExtractiveSummarizer,
    LangChainSummarizer,
    LocalLLMSummarizer,
    ModelSummarizer,
    Summarizer,
    Turns,
    make_summarizer,
)
from agentmem.facts import resolver
from agentmem.facts.extraction import FactExtractor
from agentmem.long_term import LongTermMemory, WritePlan, event, new_id, timeref
from agentmem.long_term import episodes as episode_rows
from agentmem.long_term.foreground import FOREGROUND
from agentmem.long_term.plans import revise
from agentmem.types import (
    ConsolidationReport,
    Episode,
    Fact,
    MemoryEvent,
    MemoryRecord,
    Scope,
    utcnow,
)

log = logging.getLogger(__name__)
_NO_LOCK = nullcontext()


def episode_speaker(episode: Episode) -> str | None:
    """Who "I" is in a turn of a conversation between people (`metadata["speaker"]`)."""
    speaker = episode.metadata.get("speaker")
    return speaker.strip() if isinstance(speaker, str) and speaker.strip() else None


@dataclass
class Consolidator:
    """Runs consolidation passes: extraction + resolution, then the rolling summary."""

    long_term: LongTermMemory
    extractor: FactExtractor
    summarizer: Summarizer
    summary_tokens: int = 256
    salience_threshold: float = 0.35

    def extract(
        self,
        episodes: Sequence[Episode],
        lock: AbstractContextManager = _NO_LOCK,
        *,
        quick: bool = False,
    ) -> tuple[list[MemoryRecord], list[MemoryEvent]]:
        """Facts of the user's salient episodes, resolved and stored; marks them extracted.

        The extractor runs unlocked (it may be a model); resolution and the write hold
        `lock`, so that no other writer of the scope's facts plans in between."""
        todo = [e for e in episodes if self.wants_facts(e, quick=quick)]
        if not todo:
            return [], []
        facts = [f for e in todo for f in self._facts(e, quick=quick)]
        done = "quick" if quick and self.extractor.quick is not self.extractor else True
        if facts and not quick:  # embedded before the lock (the write finds them cached):
            # `observe` waits on it, and a model call takes seconds on a loaded machine
            self.long_term.embedder.embed([f.text for _, f in facts])
        if quick:  # a turn the quick part found nothing in is read whole by the pass (the
            # same facts as the rest alone): no mark, no write on `observe`'s path
            todo = [e for e in todo if any(source is e for source, _ in facts)]
        with lock:
            records, events = self.store_facts(facts) if facts else ([], [])
            if not todo:
                return records, events
            for e in todo:
                e.metadata["extracted"] = done
            self.long_term.set_episode_metadata(todo)
        return records, events

    def wants_facts(self, episode: Episode, *, quick: bool = False) -> bool:
        """A salient turn of the user or of a named speaker, not yet read (a turn the quick
        part read on `observe` is read again by the rest of the extractor here)."""
        done = episode.metadata.get("extracted")
        return (
            (episode.role == "user" or episode_speaker(episode) is not None)
            and episode.salience >= self.salience_threshold
            and (not done or (done == "quick" and not quick))
        )

    def _facts(self, episode: Episode, *, quick: bool = False) -> list[tuple[Episode, Fact]]:
        speaker, text = episode_speaker(episode), episode.content
        if quick:
            facts = self.extractor.quick.extract(text, source="user", speaker=speaker)
        elif episode.metadata.get("extracted") == "quick":
            facts = self.extractor.extract_more(text, source="user", speaker=speaker)
        else:
            facts = self.extractor.extract(text, source="user", speaker=speaker)
        return [(episode, f) for f in facts]

    def store_facts(
        self, facts: Sequence[tuple[Episode, Fact]]
    ) -> tuple[list[MemoryRecord], list[MemoryEvent]]:
        """Resolve each fact against what the scope holds (and the facts before it), then
        apply them in one plan: "I moved from Paris to Berlin" retracts Paris, adds Berlin."""
        plan, records = WritePlan(), []
        for episode, fact in facts:
            part, record = resolver.resolve(
                fact_record(fact, episode),
                self.long_term,
                actor=f"extractor:{self.extractor.name}",
                pending=plan,
            )
            plan.extend(part)
            records.append(record)
        self.long_term.apply(plan)
        return records, plan.events

    def run(
        self,
        scope: Scope,
        episodes: Sequence[Episode],
        summary: MemoryRecord | None,
        *,
        lock: AbstractContextManager = _NO_LOCK,
        pause: Callable[[], object] = FOREGROUND.step_aside,
    ) -> tuple[ConsolidationReport, MemoryRecord | None]:
        """One pass over `episodes` (oldest first); returns the report and the new summary.

        Only fact resolution holds `lock` (see `extract`). The rolling summary has a single
        writer, the caller, which must serialise passes over the same scope. `pause` runs
        between steps, holding no lock: on the background worker, callers go first."""
        report = ConsolidationReport(episodes=len(episodes))
        if not episodes:
            return report, summary
        pause()
        try:
            report.facts, report.events = self.extract(episodes, lock)
        except Exception as exc:  # the turns stay logged; extraction is retried next pass
            log.exception("fact extraction failed during consolidation")
            report.errors.append(f"extraction: {type(exc).__name__}: {exc}")
        turns = [(e.role, episode_rows.grounded(e), e.metadata.get("speaker")) for e in episodes]
        pause()
        chunk_text = self.summarizer.summarize("", turns, self.summary_tokens).strip()
        chunk, events = self._write_chunk(scope, chunk_text, episodes)
        report.events += events
        previous = summary.text if summary is not None else ""
        pause()
        text = self.summarizer.compose(previous, chunk_text, self.summary_tokens).strip()
        summary, events = self._write_summary(scope, summary, text, episodes, chunk)
        report.summary_id = summary.id if summary is not None else None
        report.chunk_summary_id = chunk.id if chunk is not None else None
        report.events += events
        pause()
        self.long_term.mark_consolidated(episodes)
        return report, summary

    def _write_chunk(
        self, scope: Scope, text: str, episodes: Sequence[Episode]
    ) -> tuple[MemoryRecord | None, list[MemoryEvent]]:
        """The pass's chunk summary: a new memory that names its episodes and stays."""
        if not text:
            return None, []
        now = utcnow()
        ids = [e.id for e in episodes]
        record = MemoryRecord(
            id=new_id(),
            text=text,
            scope=scope,
            kind="summary",
            metadata={
                "chunk_of": scope.session_id or "-",
                "episode_ids": ids,
                "from_seq": episodes[0].seq,
                "through_seq": episodes[-1].seq,
                "said_from": episodes[0].created_at.isoformat(),
                "said_to": episodes[-1].created_at.isoformat(),
                "summarizer": self.summarizer.name,
            },
            importance=0.6,
            source="consolidation",
            created_at=now,
            updated_at=now,
            valid_from=episodes[0].created_at,
            recorded_at=now,
        )
        added = event(
            "ADD",
            record,
            actor=f"consolidation:{self.summarizer.name}",
            reason=f"chunk summary of {len(ids)} turns",
            new_text=text,
            details={"episode_ids": ids},
            at=now,
        )
        self.long_term.apply(WritePlan(inserts=[record], events=[added]))
        return record, [added]

    def _write_summary(
        self,
        scope: Scope,
        current: MemoryRecord | None,
        text: str,
        episodes: Sequence[Episode],
        chunk: MemoryRecord | None = None,
    ) -> tuple[MemoryRecord | None, list[MemoryEvent]]:
        if not text:
            return current, []
        now = utcnow()
        chunks = list(current.metadata.get("chunk_ids") or []) if current is not None else []
        meta = {
            "rolling_session": scope.session_id or "-",
            "through_seq": episodes[-1].seq,
            "summarizer": self.summarizer.name,
            "chunk_ids": chunks + ([chunk.id] if chunk is not None else []),
        }
        if current is not None and text == current.text:  # same text: it names the chunk too
            record = replace(current, metadata={**current.metadata, **meta}, updated_at=now)
            values = {"metadata": record.metadata, "updated_at": now}
            self.long_term.apply(WritePlan(updates=[(current.id, scope.user_id, values)]))
            return record, []
        actor = f"consolidation:{self.summarizer.name}"
        if current is None:
            record = MemoryRecord(
                id=new_id(),
                text=text,
                scope=scope,
                kind="summary",
                metadata=meta,
                importance=0.6,
                source="consolidation",
                created_at=now,
                updated_at=now,
                valid_from=now,
                recorded_at=now,
            )
            plan = WritePlan(
                inserts=[record],
                events=[
                    event(
                        "ADD",
                        record,
                        actor=actor,
                        reason="session summary started",
                        new_text=text,
                        at=now,
                    )
                ],
            )
        else:
            record = replace(
                current,
                text=text,
                metadata={**current.metadata, **meta},
                version=current.version + 1,
                valid_from=now,
                updated_at=now,
                recorded_at=now,
            )
            plan = revise(
                current,
                text,
                now,
                actor=actor,
                reason=f"{len(episodes)} turns summarised",
                metadata=record.metadata,
            )
        self.long_term.apply(plan)
        return record, plan.events


def fact_record(fact: Fact, episode: Episode) -> MemoryRecord:
    """The candidate long-term record of an extracted fact (before conflict resolution)."""
    now = utcnow()
    meta: dict[str, Any] = {
        "episode_id": episode.id,
        "episode_ids": [episode.id],
        "negated": fact.negated,
    }
    refs = timeref.resolve(fact.text, episode.created_at)
    if refs:  # "I started at Hooli last month" -> when that was
        meta["dates"] = [r.as_dict() for r in refs]
    return MemoryRecord(
        id=new_id(),
        text=fact.text,
        scope=episode.scope,
        kind="fact",
        subject=fact.subject,
        attribute=fact.attribute,
        value=fact.value,
        metadata=meta,
        importance=0.7,
        confidence=fact.confidence,
        source=fact.source,
        created_at=now,
        updated_at=now,
        valid_from=fact.valid_from or episode.created_at,
        recorded_at=now,
    )


__all__ = [
    "Consolidator",
    "Turns",
    "ExtractiveSummarizer",
    "LangChainSummarizer",
    "LocalLLMSummarizer",
    "ModelSummarizer",
    "Summarizer",
    "fact_record",
    "make_summarizer",
    "SUMMARIZERS",
]
