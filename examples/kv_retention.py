"""KV memory in a few lines: hide a pass key in long text, keep 12.5% of the cache, ask for it.

    python examples/kv_retention.py [policy] [budget]

CMP keeps hot tokens in full precision, warm ones in int8 and the rest off-device, and recalls
cold blocks for each new query; compare with a baseline such as streaming_llm or h2o.
"""

from __future__ import annotations

import sys

from agentmem.llm import LocalLLM

FILLER = "The grass is green. The sky is blue. The sun is yellow. Here we go. "


def main(policy: str = "cmp", budget: float = 0.125) -> None:
    llm = LocalLLM.load()
    session = llm.session(policy=policy, budget=budget, prefill_chunk=0)
    key = "40721"
    text = FILLER * 30 + f"The pass key is {key}. Remember it. " + FILLER * 30
    session.feed(text, mark=key)
    answer = session.ask("\nWhat is the pass key? The pass key is", max_new_tokens=8)
    stats = session.stats()
    print(f"{policy} at {budget:.1%}: {answer.strip()!r} (expected {key})")
    print(
        f"tokens seen {stats['tokens_seen']}, tiers {stats['tiers']}, "
        f"device KV {stats['device_kv_ratio']:.1%} of full, "
        f"pass key tokens on device {stats['survival_device']:.0%}, "
        f"in any tier {stats['survival_any_tier']:.0%}"
    )


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "cmp",
        float(sys.argv[2]) if len(sys.argv) > 2 else 0.125,
    )
