"""The writer that test_crash_safety kills with SIGKILL at random points.

`run(home, tag, ack_path, ready)` opens a Memory (cheap: hash embedder, word counter, the
rule extractor, so that no parser loads inside the short life of a writer),
sets `ready`, and writes forever: batches of notes and of episodes (a stored transcript)
through `add_many`, and now and then an update or a delete of an earlier one. After each
call returns, the acknowledgement is appended to `ack_path` and fsynced, so the file lists
exactly the writes the caller was told had succeeded. An exception is written to
`<ack_path>.err` before the writer dies, so the test can say why.
"""

from __future__ import annotations

import json
import os
import random
import traceback

from mp_worker import note_text

USER = "crash-user"
BATCH = 4


def run(home: str, tag: str, ack_path: str, ready) -> None:
    try:
        _write_forever(home, tag, ack_path, ready)
    except BaseException:
        with open(f"{ack_path}.err", "a", encoding="utf-8") as err:
            err.write(f"writer {tag}:\n{traceback.format_exc()}\n")
        raise


def _write_forever(home: str, tag: str, ack_path: str, ready) -> None:
    from agentmem import Memory
    from agentmem.short_term import word_counter

    rng = random.Random(tag)
    with (
        Memory(
            home=home,
            embedding={"model": "hash"},
            token_counter=word_counter,
            consolidation={"extractor": "rules"},
        ) as mem,
        open(ack_path, "a", encoding="utf-8") as ack,
    ):

        def acknowledge(entry: dict) -> None:
            ack.write(json.dumps(entry) + "\n")
            ack.flush()
            os.fsync(ack.fileno())

        ready.set()
        i = 0
        while True:
            batch = f"{tag}-{i}"
            texts = [note_text(batch, j) for j in range(BATCH)]
            # every other batch as a transcript (episodes: logged, not resolved)
            records = mem.add_many(texts, USER, kind="episode" if i % 2 else "note")
            acknowledge(
                {"op": "add", "batch": batch, "ids": [r.id for r in records], "texts": texts}
            )
            target = rng.choice(records)
            if i % 3 == 1:
                text = note_text(f"{batch}-updated", 0)
                mem.update(target.id, text, USER)
                acknowledge({"op": "update", "id": target.id, "text": text})
            elif i % 5 == 2:
                mem.delete(target.id, USER)
                acknowledge({"op": "delete", "id": target.id})
            i += 1
