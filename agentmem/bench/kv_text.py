"""The text the KV benchmarks read: Python's documentation topics, split into a dev half
(where a policy's choices may be tuned) and a held-out half (where they are judged)."""

from __future__ import annotations

TEXT_PARTS = ("dev", "heldout")


def perplexity_text(part: str | None = None) -> str:
    """Python's own documentation topics, joined in name order: all of them (``None``), or the
    ``"dev"`` half (even places in that order) or the ``"heldout"`` half (odd places). A
    policy's choices are tuned on dev text and judged on held-out text, never the reverse."""
    import pydoc_data.topics as topics

    if part not in (None, *TEXT_PARTS):
        raise ValueError(f"unknown text part {part!r}; choose one of {TEXT_PARTS} or None")
    keys = sorted(topics.topics)
    if part is not None:
        keys = keys[TEXT_PARTS.index(part) :: 2]
    return "\n\n".join(topics.topics[k] for k in keys)


__all__ = ["TEXT_PARTS", "perplexity_text"]
