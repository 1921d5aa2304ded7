"""The lead's held-out KV probe: answers kept by each retention policy at small budgets.

Written by another author than the benches (`agentmem bench kv`, `bench cmr`): its own
needles (a safe's combination, a flight number, rooms of three guests, one asked), its own
filler (docstrings of Python's standard library, not the documentation topics or the
repeated sentence the benches use) and the public path a user takes: `llm.session(policy,
budget)`, `feed` of the whole text in the session's own chunks, then `ask`. Never tuned on:
report its figure, fix the class of failure elsewhere.

Usage: python tests/generality_lead/kv_probe.py [--cases 8] [--length 1024]
       [--budgets 0.125 0.25] [--policies full str cmp h2o tova knorm streaming "str,recent=16"]
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import random
import time

import torch

MODULES = (
    "argparse difflib textwrap csv heapq bisect calendar shlex fractions decimal "
    "statistics pathlib zipfile tarfile gettext locale codecs pprint sched queue"
).split()
GUESTS = "Odile Bastian Ferro Ilse Nadim Petronella Casimir Yusra".split()


def _filler(rng: random.Random) -> str:
    docs = []
    for name in rng.sample(MODULES, len(MODULES)):
        doc = inspect.getdoc(importlib.import_module(name)) or ""
        docs.append(" ".join(doc.split()))
    return " ".join(docs)


def _case(kind: int, rng: random.Random) -> tuple[list[str], str, str]:
    """(needle sentences, question, answer)."""
    if kind == 0:
        code = str(rng.randint(10000, 99999))
        return ([f"Note for later: the combination of the blue safe is {code}."],
                "\nQuestion: what is the combination of the blue safe? Answer: the "
                "combination of the blue safe is", code)  # fmt: skip
    if kind == 1:
        flight = str(rng.randint(1000, 9999))
        needle = f"Mirela told us her flight number twice so we would not forget it: {flight}."
        return [needle], "\nWhat was Mirela's flight number? Mirela's flight number was", flight
    guests = rng.sample(GUESTS, 3)
    rooms = [str(rng.randint(100, 899)) for _ in guests]
    asked = rng.randrange(3)
    needles = [f"{g} is staying in room {r}." for g, r in zip(guests, rooms, strict=True)]
    return (
        needles,
        f"\nWhich room is {guests[asked]} staying in? {guests[asked]} is in room",
        rooms[asked],
    )


def _context(tokenizer, rng: random.Random, needles: list[str], length: int) -> str:
    words = _filler(rng).split(" ")
    ids_per_word = len(tokenizer(" ".join(words[:400]))["input_ids"]) / 400
    words = words[: int(length / ids_per_word)]
    cuts = sorted(rng.sample(range(len(words) // 10, len(words) * 9 // 10), len(needles)))
    for cut, needle in sorted(zip(cuts, needles, strict=True), reverse=True):
        words.insert(cut, needle)
    return " ".join(words)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=8)
    ap.add_argument("--length", type=int, default=1024)
    ap.add_argument("--budgets", type=float, nargs="+", default=[0.125, 0.25])
    policies = ["full", "str", "cmp", "h2o", "tova", "knorm", "streaming"]
    ap.add_argument("--policies", nargs="+", default=policies)
    ap.add_argument("--seed", type=int, default=20261201)
    args = ap.parse_args()
    torch.set_num_threads(1)
    from agentmem.llm.runtime import LocalLLM

    llm = LocalLLM.load()
    rng = random.Random(args.seed)
    right: dict[str, int] = {}
    started = time.time()
    for n in range(args.cases):
        needles, question, answer = _case(n % 3, rng)
        context = _context(llm.tokenizer, rng, needles, args.length)
        for policy in args.policies:
            for budget in [1.0] if policy == "full" else args.budgets:
                name, *params = policy.split(",")  # "str,recent=16": a policy's parameters
                kwargs = {k: int(v) for k, v in (p.split("=") for p in params)}
                s = llm.session(name, budget, **kwargs)
                s.feed(context)
                reply = s.ask(question, max_new_tokens=8)
                key = f"{policy}@{budget}"
                right[key] = right.get(key, 0) + int(answer in reply)
        print(f"case {n + 1}/{args.cases} {time.time() - started:.0f}s", flush=True)
    print(json.dumps({k: f"{v}/{args.cases}" for k, v in right.items()}))


if __name__ == "__main__":
    main()
