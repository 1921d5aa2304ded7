"""One retrieval case of `agentmem bench kv` and how its reply is scored.

A case is a context, a question and the answer (also the text whose tokens are marked for
survival). Passkey and multi-key answers are scored by exact containment; ``needles2``
answers (`agentmem.bench.kv_needles`), which the model may write in another form, by
containment after normalising both sides (`normalise`: case, punctuation, the spacing of
digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def normalise(text: str) -> str:
    """Lower case, punctuation as spaces, one space between words, none between digits
    ("4,471" and "4 4 7 1" both read "4471")."""
    words = " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())
    return re.sub(r"(?<=\d) (?=\d)", "", words)


def answered(gold: str, reply: str) -> bool:
    """Whether the normalised ``gold`` is contained in the normalised ``reply``."""
    return normalise(gold) in normalise(reply)


@dataclass
class Case:
    context: str
    question: str
    answer: str  # also the text whose tokens are marked for survival
    normalised: bool = False  # scored by `answered` (normalised containment)

    def right(self, reply: str) -> bool:
        """Whether ``reply`` holds the answer: exactly, or normalised when ``normalised``."""
        if self.normalised:
            return answered(self.answer, reply)
        return self.answer in reply


__all__ = ["Case", "answered", "normalise"]
