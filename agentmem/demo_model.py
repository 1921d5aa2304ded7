"""The demo's sections that run the local model: KV policies on one long prompt, a LoRA
adapter and its recall check, and chat with and without memory.

Each returns report sections (heading, text, rows of display strings, plots) and prints
its tables; `agentmem.demo` runs them in order.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.table import Table

from agentmem import report
from agentmem.types import Scope

POLICIES = ("full", "streaming_llm", "str", "cmp")
KV_BUDGET = 0.25
# (question, the value a right answer contains): answers stated in the demo's sessions
CHAT_QUESTIONS = (
    ("Where do I live now?", "porto"),
    ("What is my dog called?", "biscuit"),
    ("Where does my sister live?", "osaka"),
)
SUITE_USER = "demo-chat-suite"


def kv(mem: Any, console: Console, prompt: str, needle: str) -> list[dict[str, Any]]:
    console.rule(f"4. KV memory: retention policies at budget {KV_BUDGET:.0%} of the cache")
    with console.status("loading the local model…"):
        llm = mem.llm
    rows, shares, kept = [], [], []
    for name in POLICIES:
        session = llm.session(name, 1.0 if name == "full" else KV_BUDGET)
        t0 = time.perf_counter()
        session.feed(prompt, mark=needle)
        answer = session.ask(
            "\nQuestion: what is the code of Maya's locker?\nAnswer: the code of Maya's locker is",
            max_new_tokens=5,
        )
        s = session.stats()
        answer = " ".join(answer.split())  # one line in a table cell
        shares.append(s["device_kv_ratio"])
        kept.append(s["survival_any_tier"])
        rows.append(
            {
                "policy": name,
                "device KV": f"{s['device_kv_bytes'] / 1e3:,.0f} kB",
                "of the full cache": f"{s['device_kv_ratio']:.0%}",
                "locker code still in a tier": f"{s['survival_any_tier']:.0%}",
                "answer": answer + (" ✓" if needle in answer else ""),
                "seconds": f"{time.perf_counter() - t0:.1f}",
            }
        )
    _print(console, rows)
    names = [r["policy"] for r in rows]
    plots = [
        report.bar_plot("device KV bytes (share of the full cache)", names, shares, "share",
                        highlight="cmp"),
        report.bar_plot("locker-code tokens still retrievable (any tier)", names, kept,
                        "survival", highlight="cmp"),
    ]  # fmt: skip
    text = (
        f"The same {s['tokens_seen']}-token prompt, with a locker code in the middle, under "
        f"each retention policy at {KV_BUDGET:.0%} of the cache; then the model is asked "
        "for the code."
    )
    return [{"heading": "KV memory: policy savings on one long prompt", "text": text,
             "rows": rows, "plots": plots}]  # fmt: skip


def lora(mem: Any, scope: Scope, console: Console) -> list[dict[str, Any]]:
    console.rule("5. parametric memory: a LoRA adapter of Maya's stable facts")
    train = getattr(mem, "train_adapter", None)
    if train is None:
        console.print("[yellow]parametric memory is not available yet in this build[/]")
        return [{"heading": "Parametric memory", "text": "not available yet in this build"}]
    lora = mem.config.lora  # a small adapter: a few facts, few steps (the bench trains fully)
    lora.steps, lora.eval_every = min(lora.steps, 60), min(lora.eval_every, 20)
    with console.status("training a small LoRA adapter…"):
        info = train(scope)
    metrics = info.metrics or {}
    learned = [f for f in mem.facts(scope) if f.id in info.fact_ids]
    summary = ", ".join(
        f"{k.replace('_', ' ')} {_number(k, v)}"
        for k, v in metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    )
    console.print(f"adapter {info.id[:8]} v{info.version}: {len(info.fact_ids)} facts; {summary}")
    sections = [
        {
            "heading": "Parametric memory: LoRA adapter",
            "text": f"Adapter version {info.version} holds {len(info.fact_ids)} facts in its "
            f"weights. Training: {summary or 'no metrics recorded'}.",
            "rows": [{"fact the adapter learned": f.text, "value": f.value} for f in learned],
        }
    ]
    parametric = getattr(mem, "parametric", None)
    if learned and parametric is not None:
        sections.append(recall_check(mem, parametric, scope, learned, console))
    return sections


def recall_check(
    mem: Any, parametric: Any, scope: Scope, learned: list[Any], console: Console
) -> dict[str, Any]:
    """Each learned fact asked in a phrasing the adapter was not trained on, answered by
    the base model and by the adapter, with no text memory in the prompt."""
    data = parametric.dataset(learned)
    prompts = [p.prompt for p in data.heldout]
    with console.status("asking the adapter…"):
        tuned = parametric.generate(prompts, [scope] * len(prompts), max_new_tokens=16)
        # a scope that holds no adapter is answered by the base model alone
        nobody = Scope(user_id=f"{scope.user_id}-without-adapter")
        base = parametric.generate(prompts, [nobody] * len(prompts), max_new_tokens=16)
    rows, hits = [], {"base": 0, "adapter": 0}
    for probe, b, t in zip(data.heldout, base, tuned, strict=True):
        b, t = " ".join(b.split()), " ".join(t.split())
        found = {k: probe.value.lower() in a.lower() for k, a in (("base", b), ("adapter", t))}
        hits = {k: hits[k] + found[k] for k in hits}
        rows.append(
            {
                "question (not trained on)": probe.prompt,
                "expected": probe.value,
                "base model": b + (" ✓" if found["base"] else ""),
                "with the adapter": t + (" ✓" if found["adapter"] else ""),
            }
        )
    _print(console, rows)
    n = len(rows)
    text = (
        f"Recall on held-out phrasings: base model {hits['base']}/{n}, with the adapter "
        f"{hits['adapter']}/{n} (no text memory in either prompt)."
    )
    console.print(text)
    return {"heading": "Adapter recall check", "text": text, "rows": rows}


def chat(mem: Any, scope: Scope, console: Console) -> list[dict[str, Any]]:
    """The demo user's own questions, answered with every tier and with none."""
    console.rule("6. chat with every tier, and without memory")
    s = Scope(user_id=scope.user_id, session_id="friday")
    rows, score = [], {"with": 0, "without": 0}
    for question, want in CHAT_QUESTIONS:
        reply = mem.chat(question, s, max_new_tokens=32)
        # the same question with no tier and not stored: what the model knows by itself
        bare = mem.chat_stream(question, s, tiers=[], observe=False, max_new_tokens=32).text()
        ok = {"with": want in reply.text.lower(), "without": want in bare.lower()}
        score = {k: score[k] + ok[k] for k in score}
        console.print(f"[bold cyan]user>[/] {question}\n[bold green]agent>[/] {reply.text}")
        rows.append(
            {
                "question": question,
                "with memory": reply.text + (" ✓" if ok["with"] else ""),
                "without memory": bare + (" ✓" if ok["without"] else ""),
                "memories used": str(len(reply.memories)),
            }
        )
    n = len(rows)
    text = (
        f"Maya's questions, answered with every tier (text, KV, parametric) and with none: "
        f"right {score['with']}/{n} with memory, {score['without']}/{n} without."
    )
    return [{"heading": "Chat with and without memory", "text": text, "rows": rows}]


def chat_suite(mem: Any, console: Console) -> list[dict[str, Any]]:
    """`agentmem bench chat`'s suite on the demo's model: stated answers, asked with the
    text tier and with none."""
    from agentmem.bench import chat as suite

    console.rule("7. the chat suite: answers with and without memory")
    mem.purge(Scope(user_id=SUITE_USER))
    try:
        results = suite.run(mem, max_new_tokens=24, user=SUITE_USER)
    finally:
        mem.purge(Scope(user_id=SUITE_USER))
    console.print(suite.table(results))
    rows = [
        {
            "stated earlier": r["stated"],
            "question": r["question"],
            "with memory": _marked(r["with_memory"]),
            "without memory": _marked(r["without_memory"]),
        }
        for r in results["rows"]
    ]
    c, n = results["correct"], results["questions"]
    text = (
        f"The suite of agentmem bench chat: right {c['with_memory']}/{n} with memory in the "
        f"prompt, {c['without_memory']}/{n} without (a right answer contains the stated value)."
    )
    return [{"heading": "Chat suite: with and without memory", "text": text, "rows": rows}]


def _number(key: str, value: float) -> str:
    if key == "seconds":
        return f"{value:.0f}"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _marked(answer: dict[str, Any]) -> str:
    return answer["reply"] + (" ✓" if answer["correct"] else "")


def _print(console: Console, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = Table(*rows[0])
    for r in rows:
        table.add_row(*(str(v) for v in r.values()))
    console.print(table)


__all__ = ["CHAT_QUESTIONS", "KV_BUDGET", "POLICIES", "chat", "chat_suite", "kv", "lora"]
