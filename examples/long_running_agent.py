"""A long-running, multi-session agent over agentmem's embedded defaults.

Shows each layer at work:
  sensory     every input (user, assistant, tool output) is logged as an episode first;
  short-term  the session's working context stays under its token budget;
  consolidation  overflow is summarised into a rolling summary and facts are extracted,
              passing through conflict resolution ("I moved to Lisbon" supersedes Oslo);
  context     a new session recalls facts from an old one, newest values only.

    python examples/long_running_agent.py [--home DIR] [--turns N] [--hash]

`--hash` uses the deterministic hash embedder instead of the bundled MiniLM (faster, for
tests). The agent's replies are canned: the point is the memory, not the model.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from agentmem import Memory, Scope

USER = "sam"
FIRST = [
    "Hi, I'm Sam. I live in Oslo and I work at Northwind as a data analyst.",
    "I'm allergic to peanuts, so please remember that when suggesting recipes.",
    "I have a dog named Pepper.",
]
LATER = ["Quick update: I moved to Lisbon last month.", "My favorite color is green."]
QUESTIONS = [
    "Where do I live?",
    "What am I allergic to?",
    "What is my dog's name?",
    "Where do I work?",
]


def reply(text: str) -> str:
    return f"Noted. (You said: {text[:40]}...)"


def chat_session(mem: Memory, scope: Scope, lines: list[str], filler: int) -> None:
    """Observe the lines plus `filler` small-talk exchanges, with a tool call in between."""
    for line in lines:
        mem.observe("user", line, scope)
        mem.observe("assistant", reply(line), scope)
    mem.observe("tool", "weather(city=Lisbon) -> 21C, sunny", scope)
    passes = mem.consolidation_runner.passes
    for i in range(filler):
        mem.observe("user", f"Can you suggest idea number {i} for the weekend?", scope)
        mem.observe("assistant", f"Idea {i}: a walk by the river and a good book.", scope)
    mem.flush()  # overflow is consolidated in the background; wait for it
    working = mem.short_term.get(scope)
    print(
        f"  session {scope.session_id}: {working.tokens} tokens in working context "
        f"(budget {mem.config.short_term.max_tokens}), "
        f"{mem.consolidation_runner.passes - passes} automatic "
        f"consolidations, summary: {working.summary is not None}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="memory directory (default: a temp dir)")
    parser.add_argument("--turns", type=int, default=120, help="filler exchanges per session")
    parser.add_argument("--hash", action="store_true", help="use the hash embedder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        options = {"embedding": {"model": "hash"}} if args.hash else {}
        print("session 1: introductions")
        with Memory(home=home, **options) as mem:
            first = Scope(user_id=USER, session_id="monday")
            chat_session(mem, first, FIRST, args.turns)
            report = mem.consolidate(first)  # end of session: fold the rest in
            print(f"  end of session: {report.episodes} turns consolidated")
        print("session 2 (after a restart): an update")
        with Memory(home=home, **options) as mem:
            second = Scope(user_id=USER, session_id="friday")
            chat_session(mem, second, LATER, args.turns // 2)
            for q in QUESTIONS:
                ctx = mem.context(q, second, max_tokens=512)
                print(f"  Q: {q}")
                for m in ctx.memories[:2]:
                    print(f"     - {m.text}")
            print(
                f"  context: {ctx.tokens} tokens, included {ctx.included}, left out {ctx.left_out}"
            )
            lives = mem.facts(second, attribute="lives_in")
            print(
                "  lives_in history:",
                [
                    (f.value, f.status)
                    for f in mem.facts(second, attribute="lives_in", include_history=True)
                ],
            )
            episodes = mem.sql("SELECT count(*) AS n FROM episodes", second)[0]["n"]
            print(
                f"  {episodes} episodes logged for {USER}; current home: "
                f"{[f.value for f in lives if not f.metadata.get('negated')]}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
