"""A writer process for the concurrency and crash-safety tests.

    python tests/mp_worker.py CONFIG_JSON WORKER_ID N [ACK_FILE]

Opens a Memory from the JSON config, then for i in range(N): adds its own note i, adds
shared statement i (every worker says it: one must win, the others reinforce), searches,
and observes a turn. With ACK_FILE, each acknowledged write is
appended (and fsynced) as "<memory id> <text>" once `add` has returned.
"""

from __future__ import annotations

import json
import os
import random
import sys

WORDS = (
    "apple anchor banjo cactus dolphin ember falcon glacier harbor igloo jasmine kettle "
    "lantern meadow nectar orchid pepper quartz raven saddle tulip umber violet walnut "
    "yarrow zephyr bramble cobalt dune fjord gravel hazel indigo juniper kelp lilac "
    "marble nutmeg oyster pumice quill rhubarb sorrel thistle"
).split()


def note_text(worker: str, i: int) -> str:
    """Distinct texts (far apart for the hash embedder, so never merged as paraphrases)."""
    words = random.Random(f"{worker}/{i}").sample(WORDS, 5)
    return f"note {worker}-{i}: " + " ".join(words)


def shared_text(i: int) -> str:
    return f"shared {i}: " + " ".join(random.Random(f"shared/{i}").sample(WORDS, 5))


def main(argv: list[str]) -> None:
    from agentmem import Memory, Scope
    from agentmem.short_term import word_counter

    config, worker, n = json.loads(argv[0]), argv[1], int(argv[2])
    ack = open(argv[3], "a", encoding="utf-8") if len(argv) > 3 else None
    scope = Scope(config.pop("user_id", "shared-user"), session_id=f"s-{worker}")
    with Memory(**config, token_counter=word_counter) as mem:
        for i in range(n):
            for text in (note_text(worker, i), shared_text(i)):
                record = mem.add(text, scope)
                if ack is not None:
                    ack.write(f"{record.id} {text}\n")
                    ack.flush()
                    os.fsync(ack.fileno())
            mem.search(note_text(worker, i), scope, top_k=3)
            mem.observe("user", f"worker {worker} says hello {i}", scope)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
