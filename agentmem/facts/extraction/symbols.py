"""Pictographs (emoji) in chat, for the parse extractor (`extraction_parse`).

Chat ends a thought with a pictograph where prose puts a full stop ("quit vaping 💪 3 weeks
clean", "so I'm at KPMG now 🎉 started monday"). The small English pipeline tags a
pictograph as a proper noun and makes it the subject or object of the words around it, so
the clause before it is lost. Each run of pictographs is read as the end of a sentence: a
full stop where no end punctuation stands before it, else a space. A pictograph is a
character of the Unicode class "other symbol" from the arrows block up (U+2190: degree
signs, copyright marks and the like below it are kept), with its joiners, variation
selectors and skin tones.
"""

from __future__ import annotations

import unicodedata

FIRST = 0x2190  # the arrows block: symbols below it (°, ©, ®) are parts of a sentence
JOINERS = "\u200d\ufe0e\ufe0f"
ENDS = ".!?;:"


def _pictograph(ch: str) -> bool:
    code = ord(ch)
    if ch in JOINERS or 0x1F3FB <= code <= 0x1F3FF:  # joiners, selectors, skin tones
        return True
    return code >= FIRST and unicodedata.category(ch) == "So"


def as_breaks(text: str) -> str:
    """`text` with each run of pictographs read as the end of a sentence."""
    if not any(_pictograph(ch) for ch in text):
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        if not _pictograph(text[i]):
            out.append(text[i])
            i += 1
            continue
        while i < len(text) and (_pictograph(text[i]) or text[i].isspace()):
            i += 1
        before = "".join(out).rstrip()
        out = [before, "" if not before else " " if before[-1] in ENDS else ". "]
    return "".join(out).rstrip()


__all__ = ["as_breaks"]
