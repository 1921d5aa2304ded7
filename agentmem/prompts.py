"""Every prompt agentmem sends to a language model, in one place.

Prompts are chat messages (lists of {"role", "content"}). Builders are pure functions, so
tests can read exactly what a model would see.
"""

from __future__ import annotations

import json

from agentmem.facts.vocabulary import ATTRIBUTES

FACT_SCHEMA = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "subject": {"type": "string", "description": "'user' for the speaker"},
                    "attribute": {"type": "string"},
                    "value": {"type": "string"},
                    "negated": {"type": "boolean"},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                },
                "required": ["subject", "attribute", "value"],
            },
        }
    },
    "required": ["facts"],
}

EXTRACTION_SYSTEM = (
    "You extract durable facts about the user from one message. Answer with JSON only, "
    "matching this schema:\n{schema}\n"
    'Use subject "user" for the speaker. Prefer these attribute names: {attributes}. '
    'Set negated to true when the user says something stopped being true ("I no longer live '
    'in Paris"). Questions, hypotheticals and small talk contain no facts: return '
    '{{"facts": []}}.'
)

EXTRACTION_RETRY = (
    "Your previous answer could not be parsed ({error}). Reply again with one JSON object "
    '{{"facts": [...]}} and nothing else.'
)

SUMMARY_SYSTEM = (
    "You maintain a running summary of a conversation for an assistant's memory. Keep every "
    "fact the user states about themselves (names, places, work, family, dates, numbers, "
    "preferences, plans) and drop small talk. Write at most {max_words} words of plain text, "
    "no preamble."
)

SUMMARY_USER = "Summary so far:\n{previous}\n\nNew conversation turns:\n{turns}\n\nUpdated summary:"

CONTEXT_PREAMBLE = (
    "You are a helpful assistant with long-term memory. Use the memories and the "
    "conversation summary below when they are relevant; newer facts override older ones."
)

# The system turn of parametric memory's training examples and probes: without one SmolLM2's
# template inserts a 20-token default, and every token of every training example costs CPU.
ADAPTER_SYSTEM = "You are a helpful assistant."

# The local chat model is small: a long instruction comes back as its answer. Its system
# turn opens with one short sentence instead of CONTEXT_PREAMBLE.
CHAT_PREAMBLE = "Answer in one or two short sentences, using what you know about the person."


def extraction_messages(text: str) -> list[dict[str, str]]:
    names = ", ".join(a.name for a in ATTRIBUTES)
    system = EXTRACTION_SYSTEM.format(schema=json.dumps(FACT_SCHEMA), attributes=names)
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


def extraction_retry_messages(text: str, error: str) -> list[dict[str, str]]:
    return [
        *extraction_messages(text),
        {"role": "user", "content": EXTRACTION_RETRY.format(error=error[:200])},
    ]


def summary_messages(
    previous: str, turns: list[tuple[str, str]], max_words: int
) -> list[dict[str, str]]:
    """`turns` are (role, content) pairs, oldest first."""
    lines = "\n".join(f"{role}: {content}" for role, content in turns)
    return [
        {"role": "system", "content": SUMMARY_SYSTEM.format(max_words=max_words)},
        {
            "role": "user",
            "content": SUMMARY_USER.format(previous=previous or "(none)", turns=lines),
        },
    ]


__all__ = [
    "ADAPTER_SYSTEM",
    "CHAT_PREAMBLE",
    "CONTEXT_PREAMBLE",
    "FACT_SCHEMA",
    "extraction_messages",
    "extraction_retry_messages",
    "summary_messages",
]

CONFLICT_JUDGE = (
    "Two statements from a user's memory may be about the same thing.\n"
    "Earlier: {old}\nNew: {new}\n"
    "How does the new statement relate to the earlier one? Answer with one word of: {labels}. "
    "duplicate = says the same; refinement = the same but more specific; contradiction = "
    "cannot both be true now; retraction = says the earlier one stopped being true; "
    "independent = about different things."
)
